package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// TestClientContract drives every backend.Client method of each adapter
// against the emulator, so both keep the promises the engine relies on.
func TestClientContract(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		cfg := h.cfg.WithDefaults()
		c, err := NewClient(cfg, App{}, &http.Client{Timeout: 5 * time.Second}, h.log)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		const addr = "contract@example.com"
		pk, err := newPKCE()
		if err != nil {
			t.Fatal(err)
		}

		// Link: sent, then exchanged for a session with the verifier.
		if err := c.SendLink(ctx, backend.LinkRequest{Email: addr, RedirectURL: cfg.RedirectURL, Expiry: time.Hour, CodeChallenge: pk.challenge}); err != nil {
			t.Fatal(err)
		}
		token := tokenOf(t, h.lastLink(addr))
		if _, err := c.AuthenticateLink(ctx, token, "wrong-verifier-wrong-verifier-wrong-verifier-0", time.Hour); err == nil {
			t.Fatal("a wrong verifier signed in")
		} else if be := backend.AsError(err); be == nil || be.Type != "pkce_mismatch" {
			t.Fatalf("wrong verifier: %v", err)
		}
		a, err := c.AuthenticateLink(ctx, token, pk.verifier, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if a.SessionToken == "" || a.User.ID == "" || len(a.User.Emails) != 1 || a.User.Emails[0].Address != addr ||
			!a.User.Emails[0].Verified || a.Session.ID == "" || a.Session.UserID != a.User.ID ||
			a.Session.ExpiresAt.Before(time.Now().Add(50*time.Minute)) || len(a.Session.Factors) != 1 ||
			a.Session.Factors[0].Type != "magic_link" || a.Session.Factors[0].Email != addr {
			t.Fatalf("link auth: %+v", a)
		}

		// Session: checked and extended; its user fetched.
		s, err := c.AuthenticateSession(ctx, a.SessionToken, 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if s.Session.ID != a.Session.ID || s.SessionToken != a.SessionToken || s.Session.ExpiresAt.Before(time.Now().Add(47*time.Hour)) {
			t.Fatalf("session auth: %+v", s)
		}
		u, err := c.User(ctx, a.SessionToken)
		if err != nil || u.ID != a.User.ID || u.Emails[0].Address != addr || u.CreatedAt.IsZero() {
			t.Fatalf("user: %+v %v", u, err)
		}

		// Code: sent and exchanged; a wrong one is refused as such.
		method, err := c.SendCode(ctx, addr, 5*time.Minute)
		if err != nil || method == "" {
			t.Fatalf("send code: %q %v", method, err)
		}
		wrong := "000000"
		if h.lastCode(addr) == wrong {
			wrong = "111111"
		}
		if _, err := c.AuthenticateCode(ctx, method, wrong, time.Hour); backend.AsError(err) == nil || backend.AsError(err).Type != "otp_code_not_found" {
			t.Fatalf("wrong code: %v", err)
		}
		a2, err := c.AuthenticateCode(ctx, method, h.lastCode(addr), time.Hour)
		if err != nil || a2.SessionToken == "" || a2.User.ID != a.User.ID {
			t.Fatalf("code auth: %+v %v", a2, err)
		}

		// Revoke ends the session; it then counts as not found.
		if err := c.Revoke(ctx, a.SessionToken); err != nil {
			t.Fatal(err)
		}
		_, err = c.AuthenticateSession(ctx, a.SessionToken, time.Hour)
		if be := backend.AsError(err); be == nil || be.Type != "session_not_found" {
			t.Fatalf("revoked session: %v", err)
		}
		if KindOf(classify(err, "check")) != KindSessionExpired {
			t.Fatalf("a revoked session must read as ended: %v", err)
		}
	})
}

// TestSessionsCrossTheTwoAPIs checks that a session made through one API is
// the same session for the other: a stored session survives a switch
// between the public token and the secret on one emulator.
func TestSessionsCrossTheTwoAPIs(t *testing.T) {
	h := newHarness(t, backends[0])
	pub, err := NewClient(h.cfg.WithDefaults(), App{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sec := h.cfg
	backends[1].credentials(&sec, h.em)
	sec.PublicToken = ""
	secret, err := NewClient(sec.WithDefaults(), App{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	method, err := pub.SendCode(ctx, "cross@example.com", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a, err := pub.AuthenticateCode(ctx, method, h.lastCode("cross@example.com"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s, err := secret.AuthenticateSession(ctx, a.SessionToken, time.Hour)
	if err != nil || s.Session.ID != a.Session.ID {
		t.Fatalf("%+v %v", s, err)
	}
	if err := secret.Revoke(ctx, a.SessionToken); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.AuthenticateSession(ctx, a.SessionToken, time.Hour); !errors.As(err, new(*backend.Error)) {
		t.Fatalf("revoked through /v1, still valid through /sdk/v1: %v", err)
	}
}
