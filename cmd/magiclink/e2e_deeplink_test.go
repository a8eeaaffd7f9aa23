//go:build e2e

package main

// The magiclink:// redirect mode end to end: the app registers itself as
// the user's handler under the private desktop session, Stytch's (the
// emulator's) hosted redirect sends the browser to the deep link, and
// xdg-open hands it to the app — to the running instance, and to none.

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	deepRedirect  = "magiclink://authenticate"
	handlerFile   = "io.github.magiclink.magiclink-links.desktop"
	msgHandedOver = "Magiclink is already running; it was handed the sign-in link and its window brought to the front.\n"
)

// deepLinkFlow runs the deep-link steps on a demo app of their own.
func deepLinkFlow(t *testing.T, h *harness) {
	if h.storedToken(t, demoAccount) != "" {
		h.clearToken(t, demoAccount) // a fresh user: earlier steps' session is not this emulator's
	}
	f := &flow{top: t, h: h, name: "deeplink", shots: "deeplink-", title: demo, dirs: newAppDirs(t), account: demoAccount, seen: map[string]bool{}}
	f.demoAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	f.redirect = deepRedirect
	f.env = h.demoEnv(f.dirs, h.bus, f.demoAddr, deepRedirect)
	f.emu = emulator{base: "http://" + f.demoAddr}
	runSteps(t, h, []step{
		{"a-launch-registers", f.deepLaunchRegisters},
		{"b-link-to-running-app", f.deepLinkToRunning},
		{"c-link-again", f.deepLinkAgain},
		{"d-hostile-links", f.deepLinkHostile},
		{"e-link-to-no-app", f.deepLinkToNone},
	})
}

// hosted follows an emailed link to the hosted redirect and returns the
// deep link it sends the browser to.
func (f *flow) hosted(t *testing.T, link string) string {
	t.Helper()
	status, loc := hostedRedirect(t, link)
	if status != http.StatusFound || !strings.HasPrefix(loc, deepRedirect+"?") {
		f.fail(t, "hosted redirect answered %d to %q, want 302 to %s?…", status, loc, deepRedirect)
	}
	return loc
}

// hostedRedirect requests an emailed link without following its redirect
// and returns the status and the Location the browser would be sent to.
func hostedRedirect(t *testing.T, link string) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// xdgOpen runs xdg-open on link as the desktop would, in the user's
// session; the app it starts (if any) is its child, logging to its files.
func (f *flow) xdgOpen(t *testing.T, name, link string) *appProc {
	t.Helper()
	return f.h.start(t, f.top, name, f.dirs, f.env, "xdg-open", link)
}

// waitExit0 waits for p to exit with status 0 and returns its stdout.
func (f *flow) waitExit0(t *testing.T, p *appProc, what string) string {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(waitShort):
		f.fail(t, "%s still running after %s; its stderr:\n%s", what, waitShort, tail(p.stderr, 20))
	}
	if p.err != nil {
		f.fail(t, "%s exited with %v, want 0; its output:\n%s\n%s", what, p.err, tail(p.stdout, 5), tail(p.stderr, 20))
	}
	return readFile(t, p.stdout)
}

// a. Started in deep-link mode, the app registers itself as the user's
// magiclink:// handler: a user-level .desktop file and the xdg-mime default.
func (f *flow) deepLaunchRegisters(t *testing.T) {
	h := f.h
	f.launch(t, f.name)
	h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	entry := filepath.Join(f.dirs.data, "applications", handlerFile)
	deadline := time.Now().Add(waitShort)
	for {
		b, err := os.ReadFile(entry)
		if err == nil && strings.Contains(string(b), "MimeType=x-scheme-handler/magiclink;") && strings.Contains(string(b), " %u\n") {
			break
		}
		if time.Now().After(deadline) {
			f.fail(t, "no handler file %s (%v): %q", entry, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := f.xdgMime(t, "query", "default", "x-scheme-handler/magiclink"); got != handlerFile {
		f.fail(t, "xdg-mime query default x-scheme-handler/magiclink = %q, want %s", got, handlerFile)
	}
}

// xdgMime runs xdg-mime in the user's session.
func (f *flow) xdgMime(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("xdg-mime", args...)
	cmd.Env = f.env
	out, err := cmd.Output()
	if err != nil {
		f.fail(t, "xdg-mime %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// b. The link, opened with xdg-open while the app waits: a second process
// hands it over and exits 0; the app signs in with no port open.
func (f *flow) deepLinkToRunning(t *testing.T) {
	h := f.h
	f.link = f.requestLink(t, alice)
	deep := f.hosted(t, f.link)
	p := f.xdgOpen(t, "xdg-open-running", deep)
	if out := f.waitExit0(t, p, "xdg-open of the deep link"); out != msgHandedOver {
		f.fail(t, "the handler printed %q, want %q", out, msgHandedOver)
	}
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, "b-signed-in")
	f.token = h.waitStoredToken(t, f.account, "a session token", func(s string) bool { return s != "" })
	if ss := f.emu.active(t); len(ss) != 1 || ss[0].Email != alice {
		f.fail(t, "active sessions = %+v, want one for %s", ss, alice)
	}
	if ws := h.windows(); len(ws) != 1 {
		f.fail(t, "visible windows = %q, want one", ws)
	}
}

// c. The same link again after the sign-in: "You're already signed in",
// in the app.
func (f *flow) deepLinkAgain(t *testing.T) {
	h := f.h
	p := f.xdgOpen(t, "xdg-open-again", f.hosted(t, f.link))
	f.waitExit0(t, p, "xdg-open of the used deep link")
	deadline := time.Now().Add(waitShort)
	for !strings.Contains(readFile(t, f.app.stderr), `msg="showing a notice" message="You're already signed in.`) {
		if time.Now().After(deadline) {
			f.fail(t, "the app did not say it is already signed in")
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.holdTitle(t, f.app, f.title(titleSignedIn), 500*time.Millisecond)
	if tok := h.storedToken(t, f.account); tok != f.token {
		f.fail(t, "the stored session changed")
	}
}

// d. Hostile links are refused by the running app and logged without
// their content; it stays signed in.
func (f *flow) deepLinkHostile(t *testing.T) {
	h := f.h
	token := strings.Repeat("Q", 43) + "="
	q := "?stytch_token_type=magic_links&token=" + token
	big := strings.Repeat("A", 20<<10)
	links := map[string]string{
		"wrong host": "magiclink://evil.example" + q,
		"wrong path": "magiclink://authenticate/elsewhere" + q,
		"wrong type": "magiclink://authenticate?stytch_token_type=oauth&token=" + token,
		"20 kB":      "magiclink://authenticate?stytch_token_type=magic_links&token=" + big,
		"script":     "magiclink://authenticate?stytch_token_type=magic_links&token=" + url.QueryEscape("<script>alert(1)</script>"),
	}
	before := strings.Count(readFile(t, f.app.stderr), `msg="refused a deep link"`)
	for name, link := range links {
		p := f.xdgOpen(t, "xdg-open-"+strings.ReplaceAll(name, " ", "-"), link)
		select {
		case <-p.done:
		case <-time.After(waitShort):
			f.fail(t, "xdg-open of the %s link still running after %s; its stderr:\n%s", name, waitShort, tail(p.stderr, 20))
		}
		// The launch that brought the link says why it was turned down.
		const want = "magiclink: the running Magiclink refused this link ("
		if out := readFile(t, p.stderr); !strings.Contains(out, want) || strings.Contains(out, "handed the sign-in link") {
			f.fail(t, "xdg-open of the %s link (exit %v) printed %q; want the running app's refusal %q", name, p.err, out, want)
		}
	}
	deadline := time.Now().Add(waitShort)
	for strings.Count(readFile(t, f.app.stderr), `msg="refused a deep link"`) != before+len(links) {
		if time.Now().After(deadline) {
			f.fail(t, "the app logged %d refusals, want %d", strings.Count(readFile(t, f.app.stderr), `msg="refused a deep link"`)-before, len(links))
		}
		time.Sleep(100 * time.Millisecond)
	}
	logs := readFile(t, f.app.stderr)
	for _, s := range []string{token, big[:64], "<script>", "alert(1)", "evil.example"} {
		if strings.Contains(logs, s) {
			f.fail(t, "the app's log contains %q from a refused link", s)
		}
	}
	h.holdTitle(t, f.app, f.title(titleSignedIn), 500*time.Millisecond)
	if tok := h.storedToken(t, f.account); tok != f.token {
		f.fail(t, "the stored session changed")
	}
}

// e. A link whose app has quit: xdg-open starts the app, which becomes the
// instance and says the link can't be finished here (its verifier died
// with the app that asked for it), without spending it.
func (f *flow) deepLinkToNone(t *testing.T) {
	h := f.h
	f.signOut(t, "e-")
	deep := f.hosted(t, f.requestLink(t, bob)) // the demo's Stytch quits with the app
	f.app.quit(t)
	p := f.xdgOpen(t, "xdg-open-no-app", deep)
	f.app = p
	win := h.waitTitle(t, p, f.title(titleSignIn), waitShort)
	m := h.waitTold(t, p, 0, "OtherDevice", "PKCE verifier is gone")
	t.Logf("told: %s", m.message)
	f.shot(t, win, "e-link-to-no-app")
	if ss := f.emu.active(t); len(ss) != 0 {
		f.fail(t, "active sessions = %+v, want none", ss)
	}
	if err := p.stopGroup(15 * time.Second); err == errKilled {
		t.Fatal("the app started by xdg-open did not quit on SIGTERM")
	}
	f.app = nil
}
