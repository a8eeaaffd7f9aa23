package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
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

// lines counts the newline-terminated lines of b.
func lines(b []byte) int { return bytes.Count(b, []byte("\n")) }

// TestJournalCrashLosesNothing: every acknowledged change is on disk
// without SaveState or Close, and a restart (replaying the journal) gives
// back exactly the same state.
func TestJournalCrashLosesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	snapshotLines := 0
	if b, err := os.ReadFile(path); err == nil {
		snapshotLines = lines(b)
	}
	env := newEnvWith(t, emu)
	token := busyDemo(t, env)
	want := stateDump(t, emu)

	// "Crash": no Close, no SaveState. The changes were appended, one line
	// each, after the snapshot written at start.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := lines(data) - snapshotLines; n < 10 {
		t.Fatalf("%d journal lines", n)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", info.Mode().Perm(), err)
	}
	if strings.Contains(string(data), token) {
		t.Fatal("a raw session token is on disk")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("want one file, got %v", entries)
	}

	// A copy of the file taken while the emulator runs is the whole state
	// (the app's benchmark copies a running emulator's state this way).
	cp := filepath.Join(dir, "copy.json")
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, cp} {
		emu2, err := New(Config{StatePath: p, SigningKey: testKey})
		if err != nil {
			t.Fatalf("restart from %s: %v", p, err)
		}
		if got := stateDump(t, emu2); got != want {
			t.Fatalf("state after restart from %s differs:\n got %s\nwant %s", p, got, want)
		}
		// The restart compacted: the file is a snapshot again.
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(`{"kind":`)) {
			t.Fatal("journal not folded in at start")
		}
		env2 := newEnvWith(t, emu2)
		if _, err := env2.client.Sessions.Authenticate(context.Background(), &sessions.AuthenticateParams{SessionToken: token}); err != nil {
			t.Fatalf("session after restart: %v", err)
		}
	}
}

// TestJournalTorn: a last line cut short by a crash is ignored, a bad line
// elsewhere is an error.
func TestJournalTorn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, emu)
	env.signIn("t@example.com")
	want := stateDump(t, emu)
	data, _ := os.ReadFile(path)

	restart := func(b []byte) (*Emulator, error) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return New(Config{StatePath: path, SigningKey: testKey})
	}
	torn := append(append([]byte{}, data...), []byte(`{"kind":"user","id":"user-test-x","value":{"user_id":`)...)
	e2, err := restart(torn)
	if err != nil || stateDump(t, e2) != want {
		t.Fatalf("torn last line: %v", err)
	}
	i := bytes.Index(data, []byte(`{"kind":`))
	if i < 0 {
		t.Fatal("no journal lines")
	}
	bad := append(append(append([]byte{}, data[:i]...), []byte("{nope\n")...), data[i:]...)
	if _, err := restart(bad); err == nil || !strings.Contains(err.Error(), "journal entry") {
		t.Fatalf("bad middle line: %v", err)
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
		emu.saveMu.Lock()
		snap, journal := emu.snapshotBytes, emu.journalBytes
		emu.saveMu.Unlock()
		if journal > compactFactor*snap+4096 {
			t.Fatalf("journal %d bytes, snapshot %d: not compacted", journal, snap)
		}
		if info, _ := os.Stat(path); info.Size() != snap+1+journal {
			t.Fatalf("file is %d bytes, snapshot %d + journal %d", info.Size(), snap, journal)
		}
		compacted = compacted || journal == 0
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

// TestJournalConcurrent: changes made at the same time from many clients
// are all journaled, in an order that replays to the same state.
func TestJournalConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, emu)
	done := make(chan struct{})
	for g := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			address := "c" + strconv.Itoa(g) + "@example.com"
			for range 4 {
				token, _, _ := env.signIn(address)
				if _, err := env.client.Sessions.Authenticate(context.Background(),
					&sessions.AuthenticateParams{SessionToken: token, SessionDurationMinutes: 30}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 6 {
		<-done
	}
	want := stateDump(t, emu)
	emu2, err := New(Config{StatePath: path, SigningKey: testKey})
	if err != nil || stateDump(t, emu2) != want {
		t.Fatalf("after concurrent changes: %v", err)
	}
}
