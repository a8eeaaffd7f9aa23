package publicclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
	"github.com/magiclink/magiclink/auth/internal/logbuf"
)

// TestLogsHoldNoSecrets runs every call, successful and failing (with
// bodies that echo the request), at debug level and checks that no token,
// code, verifier, link or Authorization value reached the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	logs := &logbuf.Buffer{}
	ctx := context.Background()
	run := func(f *fake) {
		c := f.client(func(cfg *Config) { cfg.Logger = debugLogger(logs) })
		_ = c.SendLink(ctx, backend.LinkRequest{Email: testEmail, RedirectURL: testRedirect, Expiry: time.Hour, CodeChallenge: testChallenge})
		_, _ = c.SendCode(ctx, testEmail, time.Minute)
		_, _ = c.AuthenticateLink(ctx, testLinkTok, testVerifier, time.Hour)
		_, _ = c.AuthenticateCode(ctx, testMethodID, testCode, time.Hour)
		_, _ = c.AuthenticateSession(ctx, testSession, time.Hour)
		_, _ = c.User(ctx, testSession)
		_ = c.Revoke(ctx, testSession)
		_, _ = c.Bootstrap(ctx)
	}

	ok := newFake(t)
	for path, name := range map[string]string{
		"magic_links/email/login_or_create": "magic_links_email_login_or_create.json",
		"otps/email/login_or_create":        "otps_email_login_or_create.json",
		"magic_links/authenticate":          "magic_links_authenticate.json",
		"otps/authenticate":                 "otps_authenticate.json",
		"sessions/authenticate":             "sessions_authenticate.json",
		"users/me":                          "users_me.json",
		"sessions/revoke":                   "sessions_revoke.json",
	} {
		ok.set(path, reply{status: 200, body: sample(t, name)})
	}
	run(ok)

	echo := strings.Join(append(append([]string{}, secretsOfTests...), testRedirect, testChallenge), " ")
	for _, body := range []string{
		echo,
		`{"error_type":"invalid_request","request_id":"request-id-test-echo","error_message":"` + echo + `"}`,
		`{"body":{"` + testLinkTok + `":1}}`,
	} {
		bad := newFake(t)
		bad.set(bootstrapPath, reply{status: 200, body: sample(t, "bootstrap.json")})
		for _, p := range []string{"magic_links/email/login_or_create", "otps/email/login_or_create", "magic_links/authenticate",
			"otps/authenticate", "sessions/authenticate", "users/me", "sessions/revoke"} {
			bad.set(p, reply{status: 400, contentType: "text/plain", body: body})
		}
		run(bad)
	}
	// Unreachable: the transport's error is logged.
	down := newFake(t)
	down.srv.Close()
	run(down)

	out := logs.String()
	// The transport's own words: "connection refused" on Unix, "…actively
	// refused it" (Wine: "Connection refused.") on Windows.
	if !strings.Contains(strings.ToLower(out), "refused") {
		t.Error("logs lack the transport's refusal")
	}
	for _, want := range []string{"op=\"send magic link\"", "path=/sdk/v1/magic_links/authenticate", "status=200",
		"request_id=request-id-test-0b6f3c1e-7d5a-4b9e-9c2f-2a6c1f0d8e41", "error_type=invalid_request",
		"path=/sdk/v1/projects/bootstrap/{public_token}"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	forbidden := append(append([]string{}, secretsOfTests...), testRedirect, testChallenge,
		strings.TrimPrefix(basic(testToken, testSession), "Basic "), strings.TrimPrefix(basic(testToken, testToken), "Basic "))
	for _, s := range forbidden {
		if strings.Contains(out, s) {
			t.Errorf("logs contain %q", s)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}
