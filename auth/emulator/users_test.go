package emulator

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

// userIDOf returns the user id of address, creating the user.
func (env *testEnv) userIDOf(address string) string {
	env.t.Helper()
	resp, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: address})
	if err != nil {
		env.t.Fatal(err)
	}
	return resp.UserID
}

func TestSessionsGet(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	_, _, first := env.signIn("list@example.com")
	env.emu.Advance(time.Second)
	_, _, second := env.signIn("list@example.com")
	env.emu.Advance(time.Second)
	_, _, revoked := env.signIn("list@example.com")
	if _, err := env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionID: revoked}); err != nil {
		t.Fatal(err)
	}
	// A short session that expires, and another user's session.
	short, err := env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		Token: env.sendLink("list@example.com", ""), SessionDurationMinutes: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	env.signIn("other@example.com")
	env.emu.Advance(10 * time.Minute)

	uid := short.UserID
	resp, err := env.client.Sessions.Get(ctx, &sessions.GetParams{UserID: uid})
	if err != nil {
		t.Fatalf("Sessions.Get: %v", err)
	}
	var ids []string
	for _, s := range resp.Sessions {
		ids = append(ids, s.SessionID)
		if s.UserID != uid || s.ExpiresAt == nil || len(s.AuthenticationFactors) != 1 ||
			s.AuthenticationFactors[0].EmailFactor == nil || s.AuthenticationFactors[0].EmailFactor.EmailAddress != "list@example.com" {
			t.Fatalf("session %+v", s)
		}
	}
	if !reflect.DeepEqual(ids, []string{second, first}) || resp.StatusCode != 200 || resp.RequestID == "" {
		t.Fatalf("sessions %v (want %v), status %d", ids, []string{second, first}, resp.StatusCode)
	}

	// A user without sessions gets an empty list, not null.
	body, err := env.raw(env.client, http.MethodGet, "/v1/sessions?user_id="+env.userIDOf("none@example.com"), "")
	if err != nil || string(body) == "" || !strings.Contains(string(body), `"sessions":[]`) {
		t.Fatalf("no sessions: %s %v", body, err)
	}

	_, err = env.client.Sessions.Get(ctx, &sessions.GetParams{UserID: "user-test-00000000-0000-0000-0000-000000000000"})
	wantStytchError(t, err, 404, "user_not_found")
	_, err = env.client.Sessions.Get(ctx, &sessions.GetParams{UserID: "nobody"})
	wantStytchError(t, err, 400, "invalid_user_id")
	_, err = env.client.Sessions.Get(ctx, &sessions.GetParams{})
	wantStytchError(t, err, 400, "invalid_user_id")
	_, err = env.raw(env.client, http.MethodPost, "/v1/sessions", "{}")
	wantStytchError(t, err, 405, "method_not_allowed")
}

func TestRevokeBySessionID(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	token, jwt, id := env.signIn("rev@example.com")
	if _, err := env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionID: id}); err != nil {
		t.Fatalf("revoke by id: %v", err)
	}
	for _, p := range []*sessions.AuthenticateParams{{SessionToken: token}, {SessionJWT: jwt}} {
		_, err := env.client.Sessions.Authenticate(ctx, p)
		wantStytchError(t, err, 404, "session_not_found")
	}
	_, err := env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionID: "session-test-00000000-0000-0000-0000-000000000000"})
	wantStytchError(t, err, 404, "session_not_found")
	_, err = env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionID: id, SessionToken: token})
	wantStytchError(t, err, 400, "too_many_session_revoke_arguments")
}

func TestUsersUpdate(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	token, _, _ := env.signIn("upd@example.com")
	uid := env.userIDOf("upd@example.com")

	resp, err := env.client.Users.Update(ctx, &users.UpdateParams{
		UserID:            uid,
		Name:              &users.Name{FirstName: "Ada", LastName: "Lovelace"},
		TrustedMetadata:   map[string]any{"plan": "pro", "seats": 3},
		UntrustedMetadata: map[string]any{"theme": "dark"},
	})
	if err != nil {
		t.Fatalf("Users.Update: %v", err)
	}
	if resp.UserID != uid || resp.User.UserID != uid || resp.User.Name == nil || resp.User.Name.FirstName != "Ada" ||
		resp.User.Name.LastName != "Lovelace" || resp.User.TrustedMetadata["plan"] != "pro" ||
		resp.User.UntrustedMetadata["theme"] != "dark" || len(resp.Emails) != 1 || resp.Emails[0].Email != "upd@example.com" {
		t.Fatalf("update response %+v", resp)
	}
	// Metadata merges at the top level; a null deletes a key.
	if _, err := env.raw(env.client, http.MethodPut, "/v1/users/"+uid,
		`{"trusted_metadata":{"seats":null,"region":"eu"},"untrusted_metadata":{"theme":{"mode":"light"}}}`); err != nil {
		t.Fatal(err)
	}
	got, err := env.client.Users.Get(ctx, &users.GetParams{UserID: uid})
	if err != nil {
		t.Fatal(err)
	}
	wantTrusted := map[string]any{"plan": "pro", "region": "eu"}
	if !reflect.DeepEqual(got.TrustedMetadata, wantTrusted) || got.Name.FirstName != "Ada" ||
		!reflect.DeepEqual(got.UntrustedMetadata, map[string]any{"theme": map[string]any{"mode": "light"}}) {
		t.Fatalf("after merge: name %+v trusted %v untrusted %v", got.Name, got.TrustedMetadata, got.UntrustedMetadata)
	}
	// The session's user carries the update too.
	sa, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token})
	if err != nil || sa.User.Name == nil || sa.User.Name.FirstName != "Ada" {
		t.Fatalf("session user after update: %v", err)
	}

	_, err = env.client.Users.Update(ctx, &users.UpdateParams{UserID: "user-test-00000000-0000-0000-0000-000000000000"})
	wantStytchError(t, err, 404, "user_not_found")
	_, err = env.client.Users.Update(ctx, &users.UpdateParams{UserID: "bob"})
	wantStytchError(t, err, 400, "invalid_user_id")
	_, err = env.raw(env.client, http.MethodPut, "/v1/users/"+uid, `{"trusted_metadata":"nope"}`)
	wantStytchError(t, err, 400, "bad_request")
	big := map[string]any{}
	for i := range 21 {
		big[string(rune('a'+i))] = i
	}
	_, err = env.client.Users.Update(ctx, &users.UpdateParams{UserID: uid, TrustedMetadata: big})
	wantStytchError(t, err, 400, "bad_request")
}

func TestUsersDelete(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	token, jwt, _ := env.signIn("del@example.com")
	uid := env.userIDOf("del@example.com")
	pending := env.sendLink("del@example.com", "")
	methodID, code := env.sendOTP("del@example.com")
	keep, _, _ := env.signIn("keep@example.com")

	resp, err := env.client.Users.Delete(ctx, &users.DeleteParams{UserID: uid})
	if err != nil || resp.UserID != uid || resp.StatusCode != 200 {
		t.Fatalf("Users.Delete: %+v %v", resp, err)
	}
	_, err = env.client.Users.Get(ctx, &users.GetParams{UserID: uid})
	wantStytchError(t, err, 404, "user_not_found")
	for _, p := range []*sessions.AuthenticateParams{{SessionToken: token}, {SessionJWT: jwt}} {
		_, err = env.client.Sessions.Authenticate(ctx, p)
		wantStytchError(t, err, 404, "session_not_found")
	}
	_, err = env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: pending})
	wantStytchError(t, err, 404, "magic_link_not_found")
	_, err = env.authOTP(methodID, code)
	wantStytchError(t, err, 404, "otp_code_not_found")
	_, err = env.client.Sessions.Get(ctx, &sessions.GetParams{UserID: uid})
	wantStytchError(t, err, 404, "user_not_found")
	_, err = env.client.Users.Delete(ctx, &users.DeleteParams{UserID: uid})
	wantStytchError(t, err, 404, "user_not_found")
	_, err = env.client.Users.Delete(ctx, &users.DeleteParams{UserID: "x"})
	wantStytchError(t, err, 400, "invalid_user_id")
	for _, s := range env.emu.Sessions() {
		if s.UserID == uid {
			t.Fatalf("session of a deleted user still listed: %+v", s)
		}
	}
	// Other users are untouched, and the address can sign up afresh.
	if _, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: keep}); err != nil {
		t.Fatalf("other user's session: %v", err)
	}
	again, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "del@example.com"})
	if err != nil || !again.UserCreated || again.UserID == uid {
		t.Fatalf("sign-up after delete: %+v %v", again, err)
	}
}
