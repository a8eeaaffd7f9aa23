package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A request that can't reach Stytch tells the user why, and a wrong base
// URL is named with its setting instead of blaming the internet
// connection, at start (Offline) and when sending a link.
func TestUnreachableSaysWhy(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() { // accepts and never answers
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cases := []struct {
		name    string
		baseURL func(h *harness) string
		timeout time.Duration
		net     NetFault
		want    []string
	}{
		{name: "refused", baseURL: func(*harness) string { return fmt.Sprintf("http://127.0.0.1:%d", freePort(t)) },
			net: NetRefused, want: []string{"Nothing is answering at http://127.0.0.1:", "connection was refused", "STYTCH_BASE_URL (--base-url)"}},
		{name: "dns", baseURL: func(*harness) string { return "http://stytch-api.invalid" },
			net: NetDNS, want: []string{"Can't find the host stytch-api.invalid", "http://stytch-api.invalid", "STYTCH_BASE_URL (--base-url)"}},
		{name: "https to plain http", baseURL: func(h *harness) string { return strings.Replace(h.srv.BaseURL(), "http://", "https://", 1) },
			net: NetTLS, want: []string{"Couldn't make a secure connection to https://127.0.0.1:", "doesn't speak HTTPS", "STYTCH_BASE_URL"}},
		{name: "untrusted certificate", baseURL: func(*harness) string { return tlsSrv.URL },
			net: NetTLS, want: []string{"Couldn't make a secure connection to " + tlsSrv.URL, "authority this computer trusts", "STYTCH_BASE_URL"}},
		{name: "timeout", baseURL: func(*harness) string { return "http://" + hang.Addr().String() }, timeout: 300 * time.Millisecond,
			net: NetTimeout, want: []string{"didn't answer within 300ms", "http://" + hang.Addr().String(), "STYTCH_BASE_URL"}},
	}
	forEachBackend(t, func(t *testing.T, b backendKind) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.net == NetDNS {
					var dns *net.DNSError
					if _, err := net.DefaultResolver.LookupHost(context.Background(), "stytch-api.invalid"); !errors.As(err, &dns) || !dns.IsNotFound {
						t.Skipf("this computer's DNS doesn't answer 'no such host' for .invalid names: %v", err)
					}
				}
				check := func(where string, s Snapshot) {
					t.Helper()
					if s.Err == nil || s.Err.Kind != KindNetwork || s.Err.Net != c.net {
						t.Fatalf("%s: %+v", where, s.Err)
					}
					for _, w := range c.want {
						if !strings.Contains(s.Err.Message, w) {
							t.Errorf("%s: %q does not say %q", where, s.Err.Message, w)
						}
					}
					if strings.Contains(s.Err.Message, "offline") || strings.Contains(s.Err.Message, "internet connection and try again.") && c.net != NetTimeout {
						t.Errorf("%s: %q blames the internet connection", where, s.Err.Message)
					}
				}
				h := newHarness(t, b)
				h.cfg.BaseURL = c.baseURL(h)
				if c.timeout != 0 {
					h.cfg.RequestTimeout = c.timeout
				}
				// At start, with a stored session: the Offline screen.
				_ = h.store.Set(context.Background(), "stored-session-token-kept")
				e := h.engine()
				e.Start()
				check("at start", waitState(t, e, StateOffline))
				e.Close()
				// When sending a link.
				h.store = &MemoryStore{}
				e = h.engine()
				e.Start()
				waitState(t, e, StateSignedOut)
				if err := e.StartLogin("who@example.com"); err != nil {
					t.Fatal(err)
				}
				s := waitFor(t, e, "send error", func(s Snapshot) bool { return s.Err != nil })
				if s.State != StateSignedOut {
					t.Fatalf("state %v", s.State)
				}
				check("sending", s)
				// --log-level debug logs the underlying error.
				logs := h.logs.String()
				if !strings.Contains(logs, "net="+c.net.String()) || !strings.Contains(logs, "cause=") {
					t.Errorf("the logs don't hold the cause:\n%s", logs)
				}
				if strings.Contains(logs, `stytch_error=""`) {
					t.Errorf("the logs hold an empty stytch_error:\n%s", logs)
				}
			})
		}
	})
}

// No network at all, and the default API (no base URL set): the message
// is about the connection, and names no setting.
func TestNoNetworkAndDefaultHost(t *testing.T) {
	unreach := &url.Error{Op: "Post", URL: "https://test.stytch.com/sdk/v1/sessions/authenticate",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errNetUnreachable)}}
	dnsFail := &url.Error{Op: "Post", URL: "https://test.stytch.com/v1/x",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "test.stytch.com", IsNotFound: true}}}
	e := &Engine{cfg: Config{PublicToken: "public-token-test-x"}.WithDefaults()}
	for _, c := range []struct {
		err  error
		net  NetFault
		want string
	}{
		{unreach, NetOffline, "You're offline: this computer has no network connection. Connect to the internet and try again."},
		{dnsFail, NetDNS, "Can't look up test.stytch.com (DNS failed). Check your internet connection and try again."},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), NetTimeout, "Stytch at https://test.stytch.com didn't answer within 10s. Check your internet connection and try again."},
	} {
		ae := e.classify(c.err, "send the sign-in link")
		if ae.Kind != KindNetwork || ae.Net != c.net || ae.Message != c.want {
			t.Errorf("%v: got %v %q", c.err, ae.Net, ae.Message)
		}
	}
	// The setting the user actually used is named.
	e.cfg.BaseURL, e.cfg.BaseURLSetting = "http://127.0.0.1:9", "--base-url"
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:9/v1/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errConnRefused)}}
	if got := e.classify(refused, "x").Message; got != "Nothing is answering at http://127.0.0.1:9 (the connection was refused). Check --base-url." {
		t.Error(got)
	}
	if !errors.Is(refused, errConnRefused) {
		t.Fatal("test error chain")
	}
}

// Windows Sockets' own error numbers read as their Unix twins, so a user
// on Windows gets the same sentences.
func TestWindowsSocketErrorsReadAsTheirUnixTwins(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return &url.Error{Op: "Post", URL: "http://127.0.0.1:9/v1/x",
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connectex", errno)}}
	}
	for errno, want := range map[syscall.Errno]NetFault{
		wsaeConnRefused:  NetRefused,
		wsaeNetUnreach:   NetOffline,
		wsaeNetDown:      NetOffline,
		wsaeConnTimedOut: NetTimeout,
	} {
		if got := netFault(dial(errno)); got != want {
			t.Errorf("Windows errno %d: %v, want %v", errno, got, want)
		}
	}
	listen := &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", wsaeAddrInUse)}
	if !isAddrInUse(listen) {
		t.Error("WSAEADDRINUSE is not read as the port being in use")
	}
}
