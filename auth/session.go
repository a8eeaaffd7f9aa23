package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Offline retry and periodic-check timing.
const (
	retryMin        = 2 * time.Second
	retryMax        = time.Minute
	checkRetryDelay = 30 * time.Second
)

// restore reads the stored token and checks it with Stytch.
func (e *Engine) restore() {
	e.mu.Lock()
	store := e.store
	e.mu.Unlock()

	ctx, cancel := e.callCtx()
	tok, err := store.Get(ctx)
	cancel()
	switch {
	case errors.Is(err, ErrNoToken):
		e.setSignedOut(nil, "")
		return
	case err != nil:
		e.log.Warn("keyring unavailable; sessions will not be remembered", "err", err)
		e.mu.Lock()
		e.useMemoryStoreLocked()
		e.mu.Unlock()
		e.setSignedOut(nil, "This computer's keyring isn't available (no Secret Service is running, or it is locked), so your sign-in won't be remembered after you quit. "+
			"On Linux, sign in to a desktop session with GNOME Keyring or KWallet unlocked.")
		return
	}
	e.mu.Lock()
	e.token = tok
	if e.snap.State != StateRestoring {
		e.updateLocked(func(s *Snapshot) { s.State, s.Err = StateRestoring, nil })
	}
	e.mu.Unlock()
	e.checkSession(true)
}

// checkSession authenticates the stored token with Stytch, extending the
// session by SessionDuration. A definite "session not found" signs out and
// forgets the token; any other failure keeps it.
func (e *Engine) checkSession(starting bool) {
	e.mu.Lock()
	tok := e.token
	e.mu.Unlock()
	if tok == "" {
		return
	}
	ctx, cancel := e.callCtx()
	res, err := e.api.AuthenticateSession(ctx, tok, e.cfg.SessionDuration)
	cancel()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.token != tok {
		return // signed out or replaced meanwhile
	}
	if err == nil {
		prof := profileFrom(res, e.now())
		e.retryN = 0
		e.log.Info("session confirmed", "expires_at", prof.ExpiresAt.Format(time.RFC3339))
		e.updateLocked(func(s *Snapshot) {
			notice := s.Notice
			*s = Snapshot{State: StateSignedIn, Email: prof.Email, Profile: prof, Notice: notice}
		})
		e.scheduleCheckLocked(e.cfg.CheckInterval)
		return
	}
	ae := e.classify(err, "check your session")
	if ae.Kind == KindSessionExpired {
		e.log.Info("stored session is no longer valid; forgetting it", "stytch_error", ae.StytchType)
		e.token = ""
		store := e.store
		e.goRun(func() { e.deleteToken(store) })
		msg := "Your session has ended. Sign in again."
		if !starting {
			msg = "Your session was ended — you may have signed out on another device. Sign in again."
		}
		email := e.snap.Email
		e.stopTimersLocked()
		e.updateLocked(func(s *Snapshot) {
			*s = Snapshot{State: StateSignedOut, Email: email,
				Err: &Error{Kind: KindSessionExpired, Message: msg, StytchType: ae.StytchType, RequestID: ae.RequestID}}
		})
		return
	}
	e.logFailure("could not check session; keeping it", ae)
	if e.snap.State == StateSignedIn {
		// Stay signed in on a blip; say so and try again soon.
		e.updateLocked(func(s *Snapshot) {
			s.Err = &Error{Kind: ae.Kind, Message: "Couldn't reach Stytch to refresh your session. You're still signed in; retrying shortly.", Cause: ae}
		})
		e.scheduleCheckLocked(checkRetryDelay)
		return
	}
	delay := retryMin << min(e.retryN, 5)
	delay = min(delay, retryMax)
	e.retryN++
	retryAt := e.now().Add(delay)
	e.updateLocked(func(s *Snapshot) {
		s.State, s.Err, s.RetryAt = StateOffline, ae, retryAt
	})
	if e.retryT != nil {
		e.retryT.Stop()
	}
	e.retryT = time.AfterFunc(delay, func() { e.Retry() })
}

func (e *Engine) deleteToken(store TokenStore) {
	ctx, cancel := e.callCtx()
	defer cancel()
	if err := store.Delete(ctx); err != nil {
		e.log.Warn("could not remove the session from the keyring", "err", err)
	}
}

func (e *Engine) setSignedOut(err *Error, notice string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.updateLocked(func(s *Snapshot) {
		*s = Snapshot{State: StateSignedOut, Err: err, Notice: notice}
	})
}

// scheduleCheckLocked arranges the next session check.
func (e *Engine) scheduleCheckLocked(d time.Duration) {
	if e.checkT != nil {
		e.checkT.Stop()
	}
	if e.closed {
		return
	}
	e.checkT = time.AfterFunc(d, func() { e.Refresh() })
}

// Retry checks the stored session again now (Offline → Restoring).
func (e *Engine) Retry() {
	e.mu.Lock()
	if e.closed || e.snap.Busy || e.snap.State != StateOffline {
		e.mu.Unlock()
		return
	}
	if e.retryT != nil {
		e.retryT.Stop()
		e.retryT = nil
	}
	e.updateLocked(func(s *Snapshot) { s.State = StateRestoring })
	e.goRun(func() { e.checkSession(true) })
	e.mu.Unlock()
}

// Refresh re-checks and extends a signed-in session now. It runs
// periodically by itself; a UI may also call it, e.g. on focus.
func (e *Engine) Refresh() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed && e.snap.State == StateSignedIn && !e.snap.Busy {
		e.goRun(func() { e.checkSession(false) })
	}
}

// Logout revokes the session at Stytch, then forgets it locally. When
// Stytch can't be reached the local copy is removed anyway and the user is
// told the session stays valid at Stytch until it expires.
func (e *Engine) Logout() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.snap.Busy || (e.snap.State != StateSignedIn && e.snap.State != StateOffline) {
		return
	}
	tok, store, kr := e.token, e.store, e.keyring
	// Forget the token now: a session check still in flight sees it gone
	// and drops its result instead of signing back in.
	e.token = ""
	var expires time.Time
	if e.snap.Profile != nil {
		expires = e.snap.Profile.ExpiresAt
	}
	e.stopTimersLocked()
	e.updateLocked(func(s *Snapshot) { s.Busy = true })
	e.goRun(func() {
		var revokeErr *Error
		if tok != "" {
			ctx, cancel := e.callCtx()
			revokeErr = e.revokeToken(ctx, tok)
			cancel()
		}
		e.deleteToken(store)
		if kr != store {
			// After a fallback to memory, a keyring write that timed out may
			// still have landed: remove that copy too.
			e.deleteToken(kr)
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		var shown *Error
		if revokeErr != nil {
			e.logFailure("could not revoke the session at Stytch; removed it locally", revokeErr)
			msg := "Signed out on this computer, but Stytch couldn't be reached to end the session"
			if !expires.IsZero() {
				msg += fmt.Sprintf("; it stays valid until %s unless revoked", expires.Local().Format("Jan 2, 15:04"))
			}
			shown = &Error{Kind: KindRevokeFailed, Message: msg + ".", Cause: revokeErr}
		} else {
			e.log.Info("signed out; session revoked")
		}
		email := e.snap.Email
		e.updateLocked(func(s *Snapshot) {
			*s = Snapshot{State: StateSignedOut, Email: email, Err: shown}
		})
	})
}

// Forget revokes the stored session at Stytch (if any) and removes it from
// the store, synchronously. It is for `--reset`; a running UI uses Logout.
// The local copy is removed even when Stytch can't be reached; the error
// then says so.
func (e *Engine) Forget(ctx context.Context) error {
	e.mu.Lock()
	store := e.store
	e.mu.Unlock()
	tok, err := store.Get(ctx)
	if errors.Is(err, ErrNoToken) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not read the stored session: %w", err)
	}
	revokeErr := e.revokeToken(ctx, tok)
	if err := store.Delete(ctx); err != nil {
		return fmt.Errorf("could not remove the stored session: %w", err)
	}
	if revokeErr != nil {
		return fmt.Errorf("removed the stored session, but could not revoke it at Stytch: %w", revokeErr)
	}
	return nil
}
