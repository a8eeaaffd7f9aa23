package auth

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/magiclink/magiclink/auth/backend"
	"github.com/magiclink/magiclink/auth/publicclient"
	"github.com/magiclink/magiclink/auth/secretclient"
)

// DefaultAppID is the app's ID, as in FyneApp.toml. Stytch's client API
// identifies a native app by it: it must be listed under Authorized
// applications in the dashboard's Frontend SDK settings.
const DefaultAppID = "io.github.magiclink.magiclink"

// App names the app to Stytch.
type App struct {
	// ID is the reverse-DNS app ID. Default DefaultAppID.
	ID string
	// Version is the app's version. Default "dev".
	Version string
}

func (a App) withDefaults() App {
	if a.ID == "" {
		a.ID = DefaultAppID
	}
	if a.Version == "" {
		a.Version = "dev"
	}
	return a
}

// NewClient returns the Stytch client cfg calls for: with a public token,
// the client API (/sdk/v1) that shipped apps use; with a project id and
// secret, the backend API (/v1) through stytch-go. cfg must be valid.
func NewClient(cfg Config, app App, hc *http.Client, log *slog.Logger) (backend.Client, error) {
	app = app.withDefaults()
	if cfg.UsesPublicToken() {
		c, err := publicclient.New(publicclient.Config{
			PublicToken: cfg.PublicToken,
			BaseURL:     cfg.BaseURL,
			HTTPClient:  hc,
			App:         publicclient.App{ID: app.ID, Version: app.Version},
			Logger:      log,
		})
		if err != nil {
			return nil, fmt.Errorf("could not create the Stytch client: %w", err)
		}
		return c, nil
	}
	c, err := secretclient.New(secretclient.Config{
		ProjectID: cfg.ProjectID, Secret: cfg.Secret, BaseURL: cfg.BaseURL, HTTPClient: hc,
	})
	if err != nil {
		return nil, fmt.Errorf("could not create the Stytch client: %w", err)
	}
	return c, nil
}
