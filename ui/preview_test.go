//go:build preview

package ui

import (
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/magiclink/magiclink/auth"
)

// variantTheme is the default theme pinned to one variant.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// TestPreview renders every view in light and dark theme to PNG files in
// $PREVIEW_DIR (default /tmp/magiclink-ui) so a person can look at them:
//
//	go test -tags preview,ci,migrated_fynedo -run TestPreview ./ui
func TestPreview(t *testing.T) {
	dir := os.Getenv("PREVIEW_DIR")
	if dir == "" {
		dir = "/tmp/magiclink-ui"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sc := range previewScenes() {
		for _, variant := range []struct {
			name string
			v    fyne.ThemeVariant
		}{{"light", theme.VariantLight}, {"dark", theme.VariantDark}} {
			t.Run(sc.name+"_"+variant.name, func(t *testing.T) {
				h := newHarness(t, auth.Snapshot{}, sc.opts)
				h.app.Settings().SetTheme(variantTheme{Theme(), variant.v})
				sc.prepare(h)
				img := h.ui.Window().Canvas().Capture()
				f, err := os.Create(filepath.Join(dir, sc.name+"_"+variant.name+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

type previewScene struct {
	name    string
	opts    Options
	prepare func(h *harness)
}

func previewScenes() []previewScene {
	link := auth.Pending{Active: true, SentAt: t0, ExpiresAt: t0.Add(15 * time.Minute), ResendAt: t0.Add(30 * time.Second)}
	code := auth.Pending{Active: true, SentAt: t0, ExpiresAt: t0.Add(2 * time.Minute), ResendAt: t0.Add(30 * time.Second)}
	profile := &auth.Profile{
		UserID: "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6", Email: "ada@example.com", EmailVerified: true,
		Name: "Ada Lovelace", Status: "active", CreatedAt: t0.Add(-72 * time.Hour),
		SignedInAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
		Factors: []string{"Email magic link (ada@example.com)"},
	}
	push := func(s auth.Snapshot) func(h *harness) { return func(h *harness) { h.eng.push(s) } }
	return []previewScene{
		{"signin", Options{}, push(auth.Snapshot{State: auth.StateSignedOut})},
		{"signin_demo", Options{Demo: true, DemoInboxURL: "http://127.0.0.1:9/inbox"}, push(auth.Snapshot{State: auth.StateSignedOut, Email: "ada@example.com"})},
		{"signin_invalid", Options{}, func(h *harness) {
			h.eng.push(auth.Snapshot{})
			h.ui.signInView().entry.SetText("ada@")
			h.ui.signInView().submit()
		}},
		{"signin_error", Options{}, push(auth.Snapshot{Email: "ada@example.com", Err: &auth.Error{Kind: auth.KindRateLimited, Message: "Too many attempts. Wait a minute, then try again."}})},
		{"signin_notice", Options{}, push(auth.Snapshot{Email: "ada@example.com", Notice: "This computer's keyring isn't available, so your sign-in won't be remembered after you quit."})},
		{"sending", Options{}, push(auth.Snapshot{State: auth.StateSending, Email: "ada@example.com"})},
		{"inbox_gmail", Options{}, push(auth.Snapshot{State: auth.StateLinkSent, Email: "ada.lovelace@gmail.com", Link: link})},
		{"inbox_demo", Options{Demo: true, DemoInboxURL: "http://127.0.0.1:9/inbox"}, push(auth.Snapshot{State: auth.StateLinkSent, Email: "ada@example.com", Link: link})},
		{"inbox_code", Options{}, push(auth.Snapshot{State: auth.StateLinkSent, Email: "ada@example.com", Link: link, Code: code})},
		{"inbox_code_wrong", Options{}, func(h *harness) {
			h.eng.push(auth.Snapshot{State: auth.StateLinkSent, Email: "ada@example.com", Link: link, Code: code})
			h.eng.push(auth.Snapshot{State: auth.StateLinkSent, Email: "ada@example.com", Link: link, Code: code,
				Err: &auth.Error{Kind: auth.KindCodeWrong, Message: "That code isn't right. Check the email and try again."}})
		}},
		{"verifying", Options{}, push(auth.Snapshot{State: auth.StateVerifying, Email: "ada@example.com"})},
		{"restoring", Options{}, push(auth.Snapshot{State: auth.StateRestoring})},
		{"profile", Options{}, push(auth.Snapshot{State: auth.StateSignedIn, Email: "ada@example.com", Profile: profile})},
		{"profile_notice", Options{}, push(auth.Snapshot{State: auth.StateSignedIn, Email: "ada@example.com", Profile: &auth.Profile{
			UserID: profile.UserID, Email: "grace@example.org", CreatedAt: t0, SignedInAt: t0, ExpiresAt: t0.Add(time.Hour),
			Factors: []string{"Email one-time code (grace@example.org)"},
		}, Notice: "No system keyring is available, so you'll need to sign in again next time."})},
		{"offline", Options{}, push(auth.Snapshot{State: auth.StateOffline, Email: "ada@example.com", Profile: profile, RetryAt: t0.Add(12 * time.Second),
			Err: &auth.Error{Kind: auth.KindNetwork, Message: "Can't reach Stytch. Check your internet connection and try again."}})},
	}
}
