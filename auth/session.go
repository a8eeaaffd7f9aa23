package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
		k := keyringTextFor(runtime.GOOS)
		e.setSignedOut(nil, capitalize(k.Unavailable)+", so your sign-in won't be remembered after you quit. "+k.Fix)
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
		e.revokeQueuedSoonLocked() // Stytch answers: end sessions signed out offline
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
		// Stay signed in on a blip; say so and try again soon. A failure
		// that is not the network (the project's settings, say) is shown
		// as it is.
		shown := ae
		if ae.Kind == KindNetwork {
			shown = &Error{Kind: ae.Kind, Message: "Couldn't reach Stytch to refresh your session. You're still signed in; retrying shortly.", Cause: ae}
		}
		e.updateLocked(func(s *Snapshot) { s.Err = shown })
		e.scheduleCheckLocked(checkRetryDelay)
		return
	}
	delay := retryMin << min(e.retryN, 5)
	delay = min(delay, retryMax)
	e.retryN++
	retryAt := e.now().Add(delay)
	now := e.now()
	e.updateLocked(func(s *Snapshot) {
		s.State, s.Err, s.RetryAt, s.TriedAt, s.Busy = StateOffline, ae, retryAt, now, false
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

// Retry checks the stored session again now. The engine stays Offline
// with Busy set while it tries, so the Offline screen shows the attempt;
// a failure sets TriedAt and the new Err, a success signs in.
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
	e.updateLocked(func(s *Snapshot) { s.Busy = true })
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
// Stytch can't be reached (or the engine is Offline, where it would only
// wait for a timeout) the local copy is removed at once and the session is
// kept in Options.Revocations to revoke the next time Stytch answers; the
// user is told which.
func (e *Engine) Logout() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.snap.Busy || (e.snap.State != StateSignedIn && e.snap.State != StateOffline) {
		return
	}
	tok, store, kr := e.token, e.store, e.keyring
	offline := e.snap.State == StateOffline
	var offlineErr *Error
	if offline {
		offlineErr = e.snap.Err
	}
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
		switch {
		case tok == "":
		case offline:
			revokeErr = offlineErr
			if revokeErr == nil {
				revokeErr = newError(KindNetwork, "Stytch can't be reached.", nil)
			}
		default:
			ctx, cancel := e.callCtx()
			revokeErr = e.revokeToken(ctx, tok)
			cancel()
		}
		queued := false
		if revokeErr != nil {
			ctx, cancel := context.WithTimeout(e.ctx, DefaultKeyringTimeout+time.Second)
			queued = e.queueRevoke(ctx, tok)
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
			shown = &Error{Kind: KindRevokeFailed, Message: revokeFailedMessage(queued, expires), Cause: revokeErr}
		} else {
			e.log.Info("signed out; session revoked")
		}
		email := e.snap.Email
		e.updateLocked(func(s *Snapshot) {
			*s = Snapshot{State: StateSignedOut, Email: email, Err: shown}
		})
	})
}

// Messages of a sign-out that could not reach Stytch.
const (
	revokeLaterMessage = "Signed out on this computer. Stytch couldn't be reached, so the app will end the session there the next time it reaches Stytch."
	revokeNeverMessage = "Signed out on this computer, but Stytch couldn't be reached to end the session"
)

func revokeFailedMessage(queued bool, expires time.Time) string {
	if queued {
		return revokeLaterMessage
	}
	msg := revokeNeverMessage
	if !expires.IsZero() {
		msg += fmt.Sprintf("; it stays valid until %s unless revoked", expires.Local().Format("Jan 2, 15:04"))
	}
	return msg + "."
}

// ForgetResult is what Forget did.
type ForgetResult int

// Forget results.
const (
	// ForgetNothing: no session was stored.
	ForgetNothing ForgetResult = iota
	// ForgetRevoked: the session was ended at Stytch and removed here.
	ForgetRevoked
	// ForgetRevokeLater: removed here; Stytch couldn't be reached, and the
	// session will be revoked the next time the app reaches it.
	ForgetRevokeLater
	// ForgetNotRevoked: removed here; Stytch couldn't be reached and the
	// session could not be kept to revoke later.
	ForgetNotRevoked
)

// Forget revokes the stored session at Stytch (if any) and removes it from
// the store, synchronously, and also revokes sessions queued by an earlier
// sign-out. It is for `--reset`; a running UI uses Logout. The local copy
// is removed even when Stytch can't be reached; the result says what
// happened. The error is a *KeyringError when the keyring failed.
func (e *Engine) Forget(ctx context.Context) (ForgetResult, error) {
	e.mu.Lock()
	store := e.store
	e.mu.Unlock()
	pending := e.revokeQueued(ctx)
	tok, err := store.Get(ctx)
	if errors.Is(err, ErrNoToken) {
		if pending > 0 {
			return ForgetRevokeLater, nil
		}
		return ForgetNothing, nil
	}
	if err != nil {
		return ForgetNothing, err
	}
	revokeErr := e.revokeToken(ctx, tok)
	queued := false
	if revokeErr != nil {
		e.logFailure("could not revoke the stored session at Stytch", revokeErr)
		queued = e.queueRevoke(ctx, tok)
	}
	if err := store.Delete(ctx); err != nil {
		return ForgetNothing, err
	}
	switch {
	case revokeErr == nil:
		return ForgetRevoked, nil
	case queued:
		return ForgetRevokeLater, nil
	}
	return ForgetNotRevoked, nil
}
