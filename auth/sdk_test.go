package auth

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/emulator"
)

// The project's Frontend SDK settings, as a public-token app meets them.
// These only exist on the client API, so they run on the public-token
// backend alone.

func publicHarness(t *testing.T, change func(*emulator.SDKSettings)) *harness {
	t.Helper()
	h := newHarness(t, backends[0])
	if h.b.name != "public-token" {
		t.Fatalf("backends[0] is %s", h.b.name)
	}
	s := emulator.DefaultSDKSettings()
	change(&s)
	if err := h.em.SetSDKSettings(s); err != nil {
		t.Fatal(err)
	}
	return h
}

// startFails starts a login for addr and returns the error it ends with,
// checking that nothing was lost: the address is kept and no email left.
func startFails(t *testing.T, h *harness, e *Engine, addr string) *Error {
	t.Helper()
	if err := e.StartLogin(addr); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, e, "error", func(s Snapshot) bool { return s.State == StateSignedOut && s.Err != nil })
	if s.Email != addr {
		t.Fatalf("the typed address was lost: %+v", s)
	}
	if n := len(h.em.Outbox(addr)); n != 0 {
		t.Fatalf("%d emails sent", n)
	}
	return s.Err
}

func TestLinksSwitchedOffSendsACodeInstead(t *testing.T) {
	t.Parallel()
	h := publicHarness(t, func(s *emulator.SDKSettings) { s.Disabled = []string{emulator.SDKMagicLinks} })
	e := h.signedOutEngine(t)
	const addr = "codeonly@example.com"
	if err := e.StartLogin(addr); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, e, "code sent", func(s Snapshot) bool { return s.State == StateLinkSent && s.Code.Active })
	if !s.LinksOff || s.Link.Active || s.Err != nil {
		t.Fatalf("%+v", s)
	}
	// No listener waits for a link that cannot come.
	if c, err := net.Dial("tcp", mustHost(t, h.cfg.RedirectURL)); err == nil {
		c.Close()
		waitClosedPort(t, h.cfg.RedirectURL)
	}
	if err := e.VerifyCode(h.lastCode(addr)); err != nil {
		t.Fatal(err)
	}
	s = waitState(t, e, StateSignedIn)
	if s.Profile.Email != addr {
		t.Fatalf("%+v", s.Profile)
	}
	// The next sign-in goes straight to a code.
	e.Logout()
	waitState(t, e, StateSignedOut)
	if err := e.StartLogin(addr); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, e, "second code", func(s Snapshot) bool { return s.State == StateLinkSent && s.Code.Active })
	if !s.LinksOff {
		t.Fatalf("%+v", s)
	}
}

func TestCodesSwitchedOff(t *testing.T) {
	t.Parallel()
	h := publicHarness(t, func(s *emulator.SDKSettings) { s.Disabled = []string{emulator.SDKOTPs} })
	e := h.signedOutEngine(t)
	if err := e.StartLogin("links@example.com"); err != nil {
		t.Fatal(err)
	}
	waitState(t, e, StateLinkSent)
	if err := e.StartCodeLogin(); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, e, "codes off", func(s Snapshot) bool { return s.CodesOff && !s.Busy })
	if s.State != StateLinkSent || s.Err == nil || s.Err.Kind != KindMethodDisabled ||
		!strings.Contains(s.Err.Message, "use the link in the email") {
		t.Fatalf("%v %+v", s.State, s.Err)
	}
	// Asking again is answered at once, without a request.
	if err := e.StartCodeLogin(); KindOf(err) != KindMethodDisabled {
		t.Fatalf("%v", err)
	}
	// The link still signs in.
	if code, body := open(t, h.lastLink("links@example.com")); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	waitState(t, e, StateSignedIn)
}

func TestNoSignInMethodSwitchedOn(t *testing.T) {
	t.Parallel()
	h := publicHarness(t, func(s *emulator.SDKSettings) { s.Disabled = []string{emulator.SDKMagicLinks, emulator.SDKOTPs} })
	e := h.signedOutEngine(t)
	err := startFails(t, h, e, "none@example.com")
	if err.Kind != KindMethodDisabled || !strings.Contains(err.Message, "Neither email links nor one-time codes") {
		t.Fatalf("%+v", err)
	}
}

func TestProjectSettingsADesktopAppCannotMeet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*emulator.SDKSettings)
		kind   Kind
		want   string
	}{
		{"app not authorized", func(s *emulator.SDKSettings) { s.AppIDs = []string{"com.example.other"} },
			KindAppNotAuthorized, "add " + DefaultAppID + " under Authorized applications"},
		{"captcha", func(s *emulator.SDKSettings) { s.Captcha = true }, KindProjectUnsupported, "requires a captcha"},
		{"device fingerprinting", func(s *emulator.SDKSettings) { s.DFP = true }, KindProjectUnsupported, "Device Fingerprinting"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := publicHarness(t, c.change)
			e := h.signedOutEngine(t)
			err := startFails(t, h, e, "pt@example.com")
			if err.Kind != c.kind || !strings.Contains(err.Message, c.want) {
				t.Fatalf("got %v %q, want %v containing %q", err.Kind, err.Message, c.kind, c.want)
			}
		})
	}
}

func TestWrongPublicTokenWhenSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t, backends[0])
	want := h.b.breakCredentials(&h.cfg)
	e := h.signedOutEngine(t)
	err := startFails(t, h, e, "wrong@example.com")
	if err.Kind != KindBadCredentials || !strings.Contains(err.Message, want) {
		t.Fatalf("%+v", err)
	}
}

// waitClosedPort waits until nothing listens on the redirect URL's port.
func waitClosedPort(t *testing.T, redirect string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", mustHost(t, redirect), 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the loopback listener is still open")
}
