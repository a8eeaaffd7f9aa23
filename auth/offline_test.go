package auth

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Sign out from the Offline screen forgets the session at once and keeps
// it to revoke; the next start that reaches Stytch revokes it.
func TestSignOutOfflineRevokesWhenReachable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		later := &MemoryStore{}
		newEngine := func() *Engine {
			e, err := New(h.cfg, Options{Store: h.store, Revocations: later, Logger: h.log})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			return e
		}
		e := newEngine()
		e.Start()
		waitState(t, e, StateSignedOut)
		h.signIn(e, "away@example.com")
		e.Close()
		tok, _ := h.store.Get(context.Background())

		reachable := h.cfg.BaseURL
		h.cfg.BaseURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
		e = newEngine()
		e.Start()
		waitState(t, e, StateOffline)
		start := time.Now()
		e.Logout()
		s := waitState(t, e, StateSignedOut)
		if time.Since(start) > 2*time.Second {
			t.Errorf("signing out offline took %v", time.Since(start))
		}
		if s.Err == nil || s.Err.Kind != KindRevokeFailed || s.Err.Message != revokeLaterMessage {
			t.Fatalf("err: %+v", s.Err)
		}
		if _, err := h.store.Get(context.Background()); err != ErrNoToken {
			t.Fatal("token still stored")
		}
		if got, _ := later.Get(context.Background()); got != tok {
			t.Fatal("the session was not kept to revoke")
		}
		if h.activeSessions() != 1 {
			t.Fatal("the session ended although Stytch was unreachable")
		}
		e.Close()

		// Reachable again: the next start revokes it.
		h.cfg.BaseURL = reachable
		e = newEngine()
		e.Start()
		waitState(t, e, StateSignedOut)
		deadline := time.Now().Add(5 * time.Second)
		for h.activeSessions() != 0 || !storeEmpty(later) {
			if time.Now().After(deadline) {
				t.Fatalf("not revoked: %d active sessions, queue empty %v", h.activeSessions(), storeEmpty(later))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func storeEmpty(s TokenStore) bool {
	_, err := s.Get(context.Background())
	return err == ErrNoToken
}

// Retry stays on the Offline screen while it tries (Busy), then says when
// it tried and what happened.
func TestRetryShowsTheAttempt(t *testing.T) {
	h := newHarness(t, backends[0])
	_ = h.store.Set(context.Background(), "kept-session-token")
	h.cfg.BaseURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	e := h.engine()
	e.Start()
	first := waitState(t, e, StateOffline)
	if first.TriedAt.IsZero() || first.Err == nil {
		t.Fatalf("%+v", first)
	}
	var left atomic.Value
	cancel := e.Subscribe(func(s Snapshot) {
		if s.State != StateOffline {
			left.Store(s.State)
		}
	})
	defer cancel()
	e.Retry()
	if s := e.Snapshot(); s.State != StateOffline || !s.Busy {
		t.Fatalf("retrying: %v busy=%v", s.State, s.Busy)
	}
	s := waitFor(t, e, "the retry's result", func(s Snapshot) bool { return !s.Busy && s.TriedAt.After(first.TriedAt) })
	if s.State != StateOffline || s.Err == nil || s.Err.Net != NetRefused {
		t.Fatalf("%+v", s)
	}
	if st := left.Load(); st != nil {
		t.Errorf("retrying left the Offline screen for %v", st)
	}
}

// The sessions waiting to be revoked share one keyring entry, which holds
// MaxSecretBytes on Windows: the newest are kept, the oldest give way.
func TestRevokeQueueFitsOneKeyringEntry(t *testing.T) {
	h := newHarness(t, backends[0])
	later := &MemoryStore{}
	e, err := New(h.cfg, Options{Store: &MemoryStore{}, Revocations: later, Logger: h.log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	ctx := context.Background()
	var toks []string
	for i := range 100 {
		tok := fmt.Sprintf("session-token-%030d", i) // 44 bytes, like Stytch's
		toks = append(toks, tok)
		if !e.queueRevoke(ctx, tok) {
			t.Fatalf("token %d was not kept", i)
		}
	}
	list, _ := later.Get(ctx)
	if len(list) > MaxSecretBytes {
		t.Fatalf("the queue is %d bytes, more than one keyring entry holds (%d)", len(list), MaxSecretBytes)
	}
	kept := splitTokens(list)
	if len(kept) < 50 || kept[len(kept)-1] != toks[99] || kept[0] == toks[0] {
		t.Fatalf("kept %d tokens, first %q last %q; want the newest ~57", len(kept), kept[0], kept[len(kept)-1])
	}
	if !strings.Contains(h.logs.String(), "the oldest are left to expire") {
		t.Fatal("dropping sessions from the queue was not logged")
	}
}
