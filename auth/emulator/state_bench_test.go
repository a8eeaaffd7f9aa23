package emulator

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
)

// populate gives e n signed-up users, each with a used sign-up link and a
// live session, as a demo that has seen n sign-ups has, and saves the state.
func populate(tb testing.TB, e *Emulator, n int) {
	tb.Helper()
	e.mu.Lock()
	now := e.now()
	for i := range n {
		u := e.createUser(fmt.Sprintf("user%d@example.com", i), false)
		u.Verified = true
		used := now
		link := &magicLink{TokenHash: hashToken(newMagicLinkToken()), UserID: u.ID, EmailID: u.EmailID, Kind: "signup",
			RedirectURL: appRedirect, CreatedAt: now, ExpiresAt: now.Add(time.Hour), UsedAt: &used}
		e.links[link.TokenHash] = link
		s := &session{ID: e.newID("session"), UserID: u.ID, TokenHash: hashToken(newSessionToken()), StartedAt: now,
			LastAccessedAt: now, ExpiresAt: now.Add(time.Hour),
			Factors: []factor{{Type: "magic_link", DeliveryMethod: "email", EmailID: u.EmailID, Email: u.Email,
				CreatedAt: now, UpdatedAt: now, LastAuthenticatedAt: now}}}
		e.sessions[s.ID] = s
		e.byToken[s.TokenHash] = s.ID
	}
	e.mu.Unlock()
	if err := e.SaveState(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSendWithUsers measures one magic-link send (login_or_create for
// an existing user, through stytch-go and HTTP, with a state file) in a
// project that already has 10, 100 or 1000 users. Its cost should not grow
// with the number of users.
func BenchmarkSendWithUsers(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			env := newEnv(b, Config{StatePath: filepath.Join(b.TempDir(), "state.json")})
			populate(b, env.emu, n)
			ctx := context.Background()
			params := &mlemail.LoginOrCreateParams{Email: "user0@example.com", LoginMagicLinkURL: appRedirect}
			b.ResetTimer()
			for range b.N {
				if _, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
