package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzCallback throws arbitrary requests at the listener's handler: it
// must never panic, and must hand a token to the engine only for a GET of
// the redirect path, with the right Host and token type and a token.
func FuzzCallback(f *testing.F) {
	seeds := []struct{ method, host, target string }{
		{"GET", "localhost:3000", "/authenticate?stytch_token_type=magic_links&token=abc"},
		{"GET", "127.0.0.1:3000", "/authenticate?stytch_token_type=magic_links&token=DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94%3D"},
		{"GET", "[::1]:3000", "/authenticate?stytch_token_type=magic_links&token=x&next=%2F"},
		{"HEAD", "localhost:3000", "/authenticate?stytch_token_type=magic_links&token=abc"},
		{"POST", "localhost:3000", "/authenticate?stytch_token_type=magic_links&token=abc"},
		{"GET", "evil.example:3000", "/authenticate?stytch_token_type=magic_links&token=abc"},
		{"GET", "localhost:3000", "/favicon.ico"},
		{"GET", "localhost:3000", "/authenticate?stytch_token_type=oauth&token=abc"},
		{"GET", "localhost:3000", "/authenticate?stytch_token_type=magic_links"},
		{"GET", "localhost:3000", "/authenticate?stytch_token_type=magic_links&token=" + strings.Repeat("a", 600)},
		{"GET", "localhost:3000", "/authenticate?%zz"},
		{"GET", "LOCALHOST:3000", "/authenticate?stytch_token_type=magic_links&token=%3Cscript%3E"},
		// Found by fuzzing: an empty method is GET (net/http's rule).
		{"", "localhost:3000", "/authenticate?stytch_token_type=magic_links&token=abc"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.host, s.target)
	}
	redirect, _ := url.Parse(DefaultRedirectURL)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, method, host, target string) {
		var got []string
		l := &listener{log: log, redirect: redirect, hosts: allowedHosts("localhost", "3000"),
			handle: func(_ context.Context, token string) page {
				got = append(got, token)
				return pageSignedIn("<b>" + token + "</b>")
			}}
		req, err := http.NewRequest(method, "http://x"+target, nil)
		if err != nil || req.URL.Host != "x" {
			return
		}
		req.Host = host
		rec := httptest.NewRecorder()
		l.serveHTTP(rec, req)

		if len(got) > 0 {
			q := req.URL.Query()
			switch {
			case len(got) != 1:
				t.Fatalf("handler called %d times", len(got))
			case req.Method != http.MethodGet: // "" means GET, as on the wire
				t.Fatalf("token consumed by %q", req.Method)
			case req.URL.Path != "/authenticate":
				t.Fatalf("token consumed on path %q", req.URL.Path)
			case !l.hosts[strings.ToLower(host)]:
				t.Fatalf("token consumed for Host %q", host)
			case q.Get("stytch_token_type") != "magic_links" || q.Get("token") != got[0] || got[0] == "" || len(got[0]) > maxTokenLen:
				t.Fatalf("unexpected token hand-off for %q", target)
			}
		}
		body := rec.Body.String()
		if strings.Contains(body, "<b>") || strings.Contains(body, "<script>") {
			t.Fatalf("unescaped input echoed: %q", body)
		}
		if rec.Code == 200 && method == http.MethodGet && rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatal("page cacheable")
		}
	})
}

// FuzzValidateEmail checks that address validation never panics and that
// whatever it accepts is a bare address Stytch could take.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "a+b@sub.example.co.uk", "", "ada", "ada@example", "Ada <ada@example.com>", "a@b.c", "\"x y\"@example.com", "ada@@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateEmail(s) != nil {
			return
		}
		if strings.Count(s, "@") < 1 || strings.ContainsAny(s, "<>\r\n") || len(s) > 254 {
			t.Fatalf("accepted %q", s)
		}
	})
}
