package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

// stateDump is a canonical encoding of e's records (maps encode sorted).
func stateDump(t *testing.T, e *Emulator) string {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := json.Marshal(map[string]any{"users": e.users, "sessions": e.sessions, "links": e.links, "otps": e.otps,
		"by_email": e.byEmail, "by_token": e.byToken})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// busyDemo drives every kind of change through the SDK.
func busyDemo(t *testing.T, env *testEnv) (liveToken string) {
	t.Helper()
	ctx := context.Background()
	token, _, _ := env.signIn("a@example.com")
	_, _, revoked := env.signIn("a@example.com")
	if _, err := env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionID: revoked}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token, SessionDurationMinutes: 90,
		SessionCustomClaims: map[string]any{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	env.sendLink("a@example.com", "") // pending
	methodID, _ := env.sendOTP("a@example.com")
	if _, err := env.authOTP(methodID, "000000"); err == nil { // a failed attempt is state too
		t.Fatal("wrong code accepted")
	}
	otpID, code := env.sendOTP("b@example.com")
	if _, err := env.authOTP(otpID, code); err != nil {
		t.Fatal(err)
	}
	uid := env.userIDOf("a@example.com")
	if _, err := env.client.Users.Update(ctx, &users.UpdateParams{UserID: uid, Name: &users.Name{FirstName: "A"},
		UntrustedMetadata: map[string]any{"x": 1}}); err != nil {
		t.Fatal(err)
	}
	env.signIn("gone@example.com")
	if _, err := env.client.Users.Delete(ctx, &users.DeleteParams{UserID: env.userIDOf("gone@example.com")}); err != nil {
		t.Fatal(err)
	}
	return token
}

// TestJournalCrashLosesNothing: every acknowledged change is on disk
// without SaveState or Close, and a restart (replaying the journal) gives
// back exactly the same state.
func TestJournalCrashLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, emu)
	token := busyDemo(t, env)
	want := stateDump(t, emu)
	snapshot, _ := os.ReadFile(path)

	// "Crash": no Close, no SaveState. The snapshot was not rewritten;
	// the changes are in the journal.
	journal, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(journal, []byte("\n")); n < 10 {
		t.Fatalf("journal has %d lines", n)
	}
	for _, p := range []string{path, path + ".journal"} {
		if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v, %v", p, info.Mode().Perm(), err)
		}
	}
	if strings.Contains(string(journal), token) || strings.Contains(string(snapshot), token) {
		t.Fatal("a raw session token is on disk")
	}

	emu2, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if got := stateDump(t, emu2); got != want {
		t.Fatalf("state after restart differs:\n got %s\nwant %s", got, want)
	}
	// The restart compacted: a new snapshot and an empty journal.
	if j, _ := os.ReadFile(path + ".journal"); bytes.Count(j, []byte("\n")) != 1 {
		t.Fatalf("journal not compacted at start: %s", j)
	}
	env2 := newEnvWith(t, emu2)
	if _, err := env2.client.Sessions.Authenticate(context.Background(), &sessions.AuthenticateParams{SessionToken: token}); err != nil {
		t.Fatalf("session after restart: %v", err)
	}
}

// TestJournalTornAndStale: a last line cut short by a crash is ignored, a
// bad line elsewhere is an error, and a journal left over from before the
// last snapshot is ignored.
func TestJournalTornAndStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, emu)
	env.signIn("t@example.com")
	want := stateDump(t, emu)
	journal, _ := os.ReadFile(path + ".journal")
	snapshot, _ := os.ReadFile(path)

	restart := func(j []byte) (*Emulator, error) {
		t.Helper()
		if err := os.WriteFile(path, snapshot, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".journal", j, 0o600); err != nil {
			t.Fatal(err)
		}
		return New(Config{StatePath: path, SigningKey: testKey})
	}
	torn := append(append([]byte{}, journal...), []byte(`{"kind":"user","id":"user-test-x","value":{"user_id":`)...)
	e2, err := restart(torn)
	if err != nil || stateDump(t, e2) != want {
		t.Fatalf("torn last line: %v", err)
	}
	lines := bytes.SplitAfter(journal, []byte("\n"))
	bad := append(append(append([]byte{}, lines[0]...), []byte("{nope\n")...), bytes.Join(lines[1:], nil)...)
	if _, err := restart(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad middle line: %v", err)
	}
	if _, err := restart([]byte("garbage\n")); err == nil {
		t.Fatal("journal without a header accepted")
	}

	// A crash after a compaction's snapshot but before its new journal:
	// the old journal (older generation) must not be replayed over it.
	e3, err := restart(journal)
	if err != nil {
		t.Fatal(err)
	}
	env3 := newEnvWith(t, e3)
	_, _, id := env3.signIn("t@example.com")
	if _, err := env3.client.Sessions.Revoke(context.Background(), &sessions.RevokeParams{SessionID: id}); err != nil {
		t.Fatal(err)
	}
	if err := e3.SaveState(); err != nil {
		t.Fatal(err)
	}
	want3 := stateDump(t, e3)
	newSnapshot, _ := os.ReadFile(path)
	snapshot = newSnapshot
	e4, err := restart(journal) // the generation before
	if err != nil || stateDump(t, e4) != want3 {
		t.Fatalf("stale journal replayed: %v", err)
	}
}

// TestJournalCompacts: the journal is folded into a new snapshot once it
// outgrows the snapshot, and nothing is lost doing so.
func TestJournalCompacts(t *testing.T) {
	oldFactor, oldMin := compactFactor, compactMinBytes
	compactFactor, compactMinBytes = 2, 1
	t.Cleanup(func() { compactFactor, compactMinBytes = oldFactor, oldMin })
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, emu)
	populate(t, emu, 2)
	compacted := false
	for range 60 {
		env.sendLink("user1@example.com", "")
		snap, _ := os.Stat(path)
		j, _ := os.Stat(path + ".journal")
		if j.Size() > compactFactor*snap.Size()+4096 {
			t.Fatalf("journal %d bytes, snapshot %d: not compacted", j.Size(), snap.Size())
		}
		if j.Size() < 100 {
			compacted = true
		}
	}
	if !compacted {
		t.Fatal("never compacted")
	}
	want := stateDump(t, emu)
	emu2, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil || stateDump(t, emu2) != want {
		t.Fatalf("after compactions: %v", err)
	}
}

// TestOldStateFileLoads: a state file written before the journal existed
// (no journal_gen, no journal) still loads, and is then kept up to date.
func TestOldStateFileLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	token := "old-session-token-0000000000000000000000000"
	old := `{
  "version": 1,
  "project_id": "` + DefaultProjectID + `",
  "signing_key": null,
  "users": [{"user_id": "user-test-11111111-1111-1111-1111-111111111111", "email_id": "email-test-11111111-1111-1111-1111-111111111111",
    "email": "old@example.com", "verified": true, "status": "active", "created_at": "2026-01-01T00:00:00Z"}],
  "sessions": [{"session_id": "session-test-11111111-1111-1111-1111-111111111111", "user_id": "user-test-11111111-1111-1111-1111-111111111111",
    "token_hash": "` + hashToken(token) + `", "started_at": "2026-01-01T00:00:00Z", "last_accessed_at": "2026-01-01T00:00:00Z",
    "expires_at": "2099-01-01T00:00:00Z", "factors": [{"type": "magic_link", "delivery_method": "email",
    "email_id": "email-test-11111111-1111-1111-1111-111111111111", "email": "old@example.com", "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z", "last_authenticated_at": "2026-01-01T00:00:00Z"}], "attributes": {"ip_address": "", "user_agent": ""}}],
  "magic_links": [],
  "otps": []
}`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatalf("old state file: %v", err)
	}
	env := newEnvWith(t, emu)
	resp, err := env.client.Sessions.Authenticate(context.Background(), &sessions.AuthenticateParams{SessionToken: token})
	if err != nil || resp.User.Emails[0].Email != "old@example.com" || resp.User.Name == nil {
		t.Fatalf("old session: %+v %v", resp, err)
	}
	want := stateDump(t, emu)
	emu2, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil || stateDump(t, emu2) != want {
		t.Fatalf("after the first change: %v", err)
	}
}
