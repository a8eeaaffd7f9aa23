package publicclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/magiclink/magiclink/auth/backend"
)

// BootstrapInfo is the part of the project's bootstrap settings (GET
// projects/bootstrap/{public_token}) that matters to a desktop sign-in.
type BootstrapInfo struct {
	// PKCERequiredForEmailMagicLinks: magic links must carry a PKCE
	// challenge (this client always sends one).
	PKCERequiredForEmailMagicLinks bool
	// CaptchaEnabled: sends need a captcha token, which a desktop app
	// can't produce.
	CaptchaEnabled bool
	// DFPProtectedAuthEnabled: sends need a device-fingerprint telemetry
	// id, which a desktop app can't produce.
	DFPProtectedAuthEnabled bool
	// DFPProtectedAuthMode is "OBSERVATION" or "DECISIONING" ("" if not
	// given).
	DFPProtectedAuthMode string
	// CNAMEDomain is the project's custom API domain, if any. This client
	// does not switch to it: it keeps using the configured base URL.
	CNAMEDomain string
	// Vertical is "CONSUMER" or "B2B" ("" if not given).
	Vertical string
	// RequestID is Stytch's request id of the bootstrap call.
	RequestID string
}

type bootstrapData struct {
	RequestID                      string `json:"request_id"`
	PKCERequiredForEmailMagicLinks bool   `json:"pkce_required_for_email_magic_links"`
	CaptchaSettings                *struct {
		Enabled bool `json:"enabled"`
	} `json:"captcha_settings"`
	DFPProtectedAuthEnabled bool   `json:"dfp_protected_auth_enabled"`
	DFPProtectedAuthMode    string `json:"dfp_protected_auth_mode"`
	CNAMEDomain             string `json:"cname_domain"`
	Vertical                string `json:"vertical"`
}

func (d bootstrapData) info() BootstrapInfo {
	info := BootstrapInfo{
		PKCERequiredForEmailMagicLinks: d.PKCERequiredForEmailMagicLinks,
		DFPProtectedAuthEnabled:        d.DFPProtectedAuthEnabled,
		DFPProtectedAuthMode:           truncate(d.DFPProtectedAuthMode, 64),
		CNAMEDomain:                    truncate(d.CNAMEDomain, 255),
		Vertical:                       truncate(d.Vertical, 64),
	}
	if d.CaptchaSettings != nil {
		info.CaptchaEnabled = d.CaptchaSettings.Enabled
	}
	if validRequestID(d.RequestID) {
		info.RequestID = d.RequestID
	}
	return info
}

// bootstrapCall is a bootstrap fetch in flight, shared by the callers
// that arrive while it runs.
type bootstrapCall struct {
	done chan struct{} // closed when info and err are set
	info BootstrapInfo
	err  error
	// ctxDone: the fetching caller's own context ended the fetch, so the
	// waiting callers try again themselves rather than take its error.
	ctxDone bool
}

// Bootstrap returns the project's bootstrap settings. The first success
// is kept for the Client's life; concurrent first calls share one fetch;
// a failed fetch is not kept, so the next call tries again.
func (c *Client) Bootstrap(ctx context.Context) (BootstrapInfo, error) {
	info, err := c.bootstrap(ctx)
	return info, fail("bootstrap", err)
}

func (c *Client) bootstrap(ctx context.Context) (BootstrapInfo, error) {
	for {
		c.bootMu.Lock()
		if c.boot != nil {
			info := *c.boot
			c.bootMu.Unlock()
			return info, nil
		}
		if call := c.bootCall; call != nil {
			c.bootMu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return BootstrapInfo{}, ctx.Err()
			}
			if call.ctxDone && ctx.Err() == nil {
				continue
			}
			return call.info, call.err
		}
		call := &bootstrapCall{done: make(chan struct{})}
		c.bootCall = call
		c.bootMu.Unlock()

		call.info, call.err = c.fetchBootstrap(ctx)
		call.ctxDone = call.err != nil && ctx.Err() != nil
		c.bootMu.Lock()
		c.bootCall = nil
		if call.err == nil {
			info := call.info
			c.boot = &info
		}
		c.bootMu.Unlock()
		close(call.done)
		return call.info, call.err
	}
}

func (c *Client) fetchBootstrap(ctx context.Context) (BootstrapInfo, error) {
	var d bootstrapData
	err := c.do(ctx, request{
		op: "bootstrap", method: http.MethodGet,
		path:    "projects/bootstrap/" + url.PathEscape(c.publicToken),
		logPath: "projects/bootstrap/{public_token}",
	}, &d)
	if err != nil {
		return BootstrapInfo{}, err
	}
	return d.info(), nil
}

// gate checks, before a send, that the project lets a desktop app sign
// in: no captcha, no Device Fingerprinting Protected Auth. It returns a
// *backend.Error (TypeCaptchaRequired, TypeDeviceFingerprintRequired) when
// it doesn't, and the bootstrap's own error when that fails.
func (c *Client) gate(ctx context.Context) error {
	info, err := c.bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	e := &backend.Error{RequestID: info.RequestID, Credentials: credentials}
	switch {
	case info.CaptchaEnabled:
		e.Type, e.Message = backend.TypeCaptchaRequired, captchaMessage
	case info.DFPProtectedAuthEnabled:
		e.Type, e.Message = backend.TypeDeviceFingerprintRequired, dfpMessage
	default:
		return nil
	}
	return e
}
