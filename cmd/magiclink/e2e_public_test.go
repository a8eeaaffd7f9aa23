//go:build e2e

package main

// The app as it ships, with the Stytch project's public token and no
// secret on the computer (Stytch's client API, /sdk/v1), and the app as
// developers run it, with the project id and secret (/v1): both against
// the standalone emulator (cmd/stytch-emulator), whose Frontend SDK
// dashboard settings the steps switch at run time through /dev/sdk.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	// The standalone emulator's project.
	e2ePublicToken = "public-token-test-5e2e0000-0000-4000-8000-000000000001"
	e2eProjectID   = "project-test-5e2e0000-0000-4000-8000-000000000001"
	// wrongPublicToken is well formed but not the project's.
	wrongPublicToken = "public-token-test-00000000-0000-0000-0000-0000000000ff"
	// appID is the app's ID, which the project must list under Authorized
	// applications (FyneApp.toml).
	appID = "io.github.magiclink.magiclink"
)

// standalone is the emulator the test runs on its own, and what an app
// needs to reach it.
type standalone struct {
	top       *testing.T
	h         *harness
	emu       emulator
	secret    string // its project secret
	redirect  string // the app's redirect URL, on the emulator's allow-list
	redirPort int
}

// startStandalone runs cmd/stytch-emulator for the rest of top, with a
// state file, no rate limit, the test's public token and secret, and the
// app's redirect URL allowed.
func startStandalone(t, top *testing.T, h *harness) *standalone {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	s := &standalone{top: top, h: h, secret: "secret-test-" + hex.EncodeToString(b), redirPort: freePort(t)}
	h.secrets = append(h.secrets, s.secret)
	s.redirect = fmt.Sprintf("http://localhost:%d/authenticate", s.redirPort)
	s.emu = h.startEmulator(t, top,
		"-public-token", e2ePublicToken,
		"-project-id", e2eProjectID,
		"-secret", s.secret,
		"-redirect-url", s.redirect,
		"-rate-limit=false",
		"-state", filepath.Join(top.TempDir(), "stytch-emulator-state.json"),
	)
	return s
}

// flow is a flow of the app against the standalone emulator, in fresh
// HOME/XDG directories, with credentials (STYTCH_* settings) besides the
// base and redirect URLs. Its windows have no "(demo)".
func (s *standalone) flow(t *testing.T, name, shots string, credentials ...string) *flow {
	d := newAppDirs(t)
	f := &flow{
		top: s.top, h: s.h, name: name, shots: shots, dirs: d,
		title:    func(title string) string { return title },
		redirect: s.redirect, redirPort: s.redirPort, emu: s.emu, seen: map[string]bool{},
	}
	f.env = s.env(d, credentials...)
	return f
}

// env is the app's environment with credentials.
func (s *standalone) env(d *appDirs, credentials ...string) []string {
	return s.h.env(d, s.h.bus, append([]string{
		"MAGICLINK_LOG=debug",
		"STYTCH_BASE_URL=" + s.emu.base,
		"STYTCH_REDIRECT_URL=" + s.redirect,
	}, credentials...)...)
}

// sessionOf asks the emulator's backend API (/v1, with the project's
// secret) which session token belongs to: its id, or "" when the answer
// is session_not_found.
func (s *standalone) sessionOf(t *testing.T, token string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"session_token": token})
	req, err := http.NewRequest(http.MethodPost, s.emu.base+"/v1/sessions/authenticate", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(e2eProjectID, s.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("POST /v1/sessions/authenticate: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		ErrorType string `json:"error_type"`
		Session   struct {
			SessionID string `json:"session_id"`
		} `json:"session"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("POST /v1/sessions/authenticate: %s: %v", resp.Status, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK && r.Session.SessionID != "":
		return r.Session.SessionID
	case r.ErrorType == "session_not_found":
		return ""
	}
	t.Fatalf("POST /v1/sessions/authenticate: %s: %s", resp.Status, b)
	return ""
}

// checkEnv requires the running app's environment (as the kernel has it)
// to hold want and none of the variables named in unset, and its working
// directory to have no .env file.
func (f *flow) checkEnv(t *testing.T, want []string, unset ...string) {
	t.Helper()
	env := f.app.environ(t)
	for _, kv := range want {
		if !slices.Contains(env, kv) {
			k, _, _ := strings.Cut(kv, "=")
			f.fail(t, "the app's environment lacks %s", k)
		}
	}
	for _, kv := range env {
		for _, k := range unset {
			if strings.HasPrefix(kv, k+"=") {
				f.fail(t, "the app's environment has %s", k)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(f.dirs.work, ".env")); !os.IsNotExist(err) {
		f.fail(t, "the app's working directory has a .env file (%v)", err)
	}
}

// called reports whether the app's log records a call to Stytch's client
// API path (the public-token client logs each call at debug level).
func (f *flow) called(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile(f.app.stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `msg="stytch call"`) && strings.Contains(line, " path="+path+" ") {
			return true
		}
	}
	return false
}

// refused types email and presses Enter on the sign-in screen, where the
// app must stay: it tells the user a message of kind containing parts, and
// loses nothing: no email is sent, the address is still in the field, and
// the keyring is as it was.
func (f *flow) refused(t *testing.T, email, shot, kind string, parts ...string) {
	t.Helper()
	h := f.h
	keyring := h.keyringState(t)
	sent := f.emu.sent(t)
	told := len(f.app.toldUser(t))
	f.submitEmail(t, email)
	m := h.waitTold(t, f.app, told, kind, parts...)
	t.Logf("the app said: %s", m.message)
	win := h.holdTitle(t, f.app, f.title(titleSignIn), time.Second)
	f.shot(t, win, shot)
	if got := h.fieldText(t, win); got != email {
		f.fail(t, "the email field holds %q after the error, want %q", got, email)
	}
	if s := f.emu.sentSince(t, sent); len(s) != 0 {
		f.fail(t, "an email was sent: %+v", s)
	}
	if got := h.keyringState(t); !got.equal(keyring) {
		f.fail(t, "the keyring changed: was %s, now %s", keyring, got)
	}
}

// 12. The public-token flow.
func (s *standalone) publicToken(t *testing.T) {
	h := s.h
	f := s.flow(t, "public", "12-public-", "STYTCH_PUBLIC_TOKEN="+e2ePublicToken)
	f.account = h.storeAccount(t, e2ePublicToken, s.emu.base)
	t.Cleanup(f.stopApp) // after a failed step too: the next steps open windows of their own
	runSteps(t, h, []step{
		{"a1-launch", func(t *testing.T) {
			f.launchFresh(t)
			f.checkEnv(t, []string{"STYTCH_PUBLIC_TOKEN=" + e2ePublicToken, "STYTCH_BASE_URL=" + s.emu.base},
				"STYTCH_SECRET", "STYTCH_PROJECT_ID")
		}},
		{"a2-type-email", f.typeEmail},
		{"a3-open-link", func(t *testing.T) {
			f.openLink(t)
			if id := s.sessionOf(t, f.token); id != f.session {
				f.fail(t, "the keyring's token is session %q at the emulator, want %s", id, f.session)
			}
			if !f.called(t, "/sdk/v1/magic_links/email/login_or_create") || !f.called(t, "/sdk/v1/magic_links/authenticate") {
				f.fail(t, "the log has no calls to the client API /sdk/v1")
			}
			if b, _ := os.ReadFile(f.app.stdout); len(b) != 0 {
				f.fail(t, "stdout outside demo mode = %q, want nothing", b)
			}
		}},
		{"b-relaunch-restores", f.relaunchRestores},
		{"c-sign-out-keyboard", func(t *testing.T) {
			f.signOut(t, "c-")
			if id := s.sessionOf(t, f.token); id != "" {
				f.fail(t, "the signed-out session token still authenticates (session %s)", id)
			}
		}},
		{"d-one-time-code", func(t *testing.T) {
			f.signInByCode(t, bob, "d-")
			f.signOut(t, "d-")
		}},
		{"e-wrong-public-token", func(t *testing.T) { wrongPublicTokenStep(t, s, f) }},
		{"f-app-not-authorized", f.appNotAuthorized},
		{"g-links-off", f.linksOff},
		{"h-captcha-required", f.captchaRequired},
	})
	f.app.quit(t)
}

// stopApp stops the flow's app if it still runs.
func (f *flow) stopApp() {
	if f.app != nil {
		_ = f.app.stop(15 * time.Second)
	}
}

// e. A wrong public token: the sign-in screen says to check
// STYTCH_PUBLIC_TOKEN; nothing is sent, the session stored under another
// account (the demo's, from step 10) is untouched.
func wrongPublicTokenStep(t *testing.T, s *standalone, f *flow) {
	h := f.h
	f.app.quit(t)
	h.storeAccount(t, wrongPublicToken, s.emu.base) // looked at by refused
	if h.storedToken(t, demoAccount) == "" {
		t.Fatal("no session stored under another account (the demo's, from step 10) to see kept")
	}
	f.launchEnv(t, f.name+"-wrong-token", s.env(f.dirs, "STYTCH_PUBLIC_TOKEN="+wrongPublicToken))
	f.refused(t, erin, "e-wrong-public-token", "BadCredentials", "STYTCH_PUBLIC_TOKEN")
	f.app.quit(t)
}

// f. The project does not list the app's ID under Authorized applications:
// the sign-in screen names the ID and the setting. Once it is listed
// again, Enter alone sends the link: the address was kept.
func (f *flow) appNotAuthorized(t *testing.T) {
	h := f.h
	f.emu.post(t, "/dev/sdk", `{"app_ids":["com.example.other"]}`)
	f.launch(t, f.name+"-app-id")
	f.refused(t, erin, "f-app-not-authorized", "AppNotAuthorized", appID, "Authorized applications")
	f.emu.post(t, "/dev/sdk", `{"app_ids":["`+appID+`"]}`)
	win := h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	h.keys(t, win, "Return")
	win = h.waitTitle(t, f.app, f.title(titleInbox), waitShort)
	if m := h.waitMail(t, f.emu, erin, f.seen, "login", "signup"); m.Link == "" {
		f.fail(t, "email has no link: %+v", m)
	}
	h.keys(t, win, "Escape") // "Use a different email"
	h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
}

// g. Magic links switched off for apps, codes on: Enter emails a code
// instead (and opens no listener), the inbox screen offers only the code,
// and typing it signs in.
func (f *flow) linksOff(t *testing.T) {
	h := f.h
	f.emu.post(t, "/dev/sdk", `{"disabled":["magic_links"]}`)
	sent := f.emu.sent(t)
	f.submitEmail(t, erin)
	win := h.waitTitle(t, f.app, f.title(titleInbox), waitShort)
	code := f.waitCode(t, erin)
	f.shot(t, win, "g-code-only")
	if s := f.emu.sentSince(t, sent); len(s) != 1 || s[0].Kind != "otp" || s[0].Link != "" {
		f.fail(t, "emails sent = %+v, want only the code", s)
	}
	waitClosed(t, f.redirPort)
	f.enterCode(t, win, erin, code, "g-")
	f.signOut(t, "g-")
	f.emu.post(t, "/dev/sdk", `{"disabled":[]}`)
}

// h. The project requires a captcha, which a desktop app can't show: the
// sign-in screen says so and nothing is sent. The client reads the
// project's settings once a run, hence the relaunch.
func (f *flow) captchaRequired(t *testing.T) {
	f.emu.post(t, "/dev/sdk", `{"captcha":true}`)
	f.app.quit(t)
	f.launch(t, f.name+"-captcha")
	f.refused(t, erin, "h-captcha-required", "ProjectUnsupported", "captcha")
	f.emu.post(t, "/dev/sdk", `{"captcha":false}`)
}

// 13. The development path: the project id and secret (Stytch's backend
// API, /v1). Signed in by link, the token is stored under
// <project id>@<host>; sign-out revokes it.
func (s *standalone) secretKey(t *testing.T) {
	h := s.h
	f := s.flow(t, "secret", "13-secret-", "STYTCH_PROJECT_ID="+e2eProjectID, "STYTCH_SECRET="+s.secret)
	f.account = h.storeAccount(t, e2eProjectID, s.emu.base)
	f.launch(t, f.name)
	t.Cleanup(f.stopApp)
	// The window first: until the app has exec'd, /proc shows the test's own environment.
	win := h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	f.checkEnv(t, []string{"STYTCH_PROJECT_ID=" + e2eProjectID, "STYTCH_BASE_URL=" + s.emu.base}, "STYTCH_PUBLIC_TOKEN")
	t.Logf("Sign in window after %s", time.Since(f.app.started).Round(time.Millisecond))
	f.shot(t, win, "sign-in")
	before := f.emu.active(t)
	if len(before) != 0 {
		f.fail(t, "active sessions before sign-in: %+v", before)
	}
	link := f.requestLink(t, dave)
	h.signedInPage(t, f.app, h.chromium(t, link), dave)
	win = h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, "signed-in")
	token := h.waitStoredToken(t, f.account, "a session token", func(s string) bool { return s != "" })
	ss := f.emu.active(t)
	if len(ss) != 1 || ss[0].Email != dave {
		f.fail(t, "active sessions = %+v, want one for %s", ss, dave)
	}
	if id := s.sessionOf(t, token); id != ss[0].SessionID {
		f.fail(t, "the keyring's token is session %q at the emulator, want %s", id, ss[0].SessionID)
	}
	if f.called(t, "/sdk/v1/magic_links/email/login_or_create") {
		f.fail(t, "with a secret the app called the client API /sdk/v1")
	}
	f.signOut(t, "")
	if id := s.sessionOf(t, token); id != "" {
		f.fail(t, "the signed-out session token still authenticates (session %s)", id)
	}
	f.app.quit(t)
}
