package auth

import (
	"context"
	"errors"
	"strings"
)

// Sessions that were forgotten on this computer while Stytch could not be
// reached are kept in Options.Revocations (one token a line, in the
// keyring next to the session, under the same project and API host) and
// revoked the next time Stytch answers, so a sign-out offline still ends
// the session at Stytch.

// queueRevoke adds token to the sessions to revoke later. It reports
// whether the token was kept.
func (e *Engine) queueRevoke(ctx context.Context, token string) bool {
	if e.revocations == nil {
		return false
	}
	e.revokeMu.Lock()
	defer e.revokeMu.Unlock()
	list, err := e.revocations.Get(ctx)
	if err != nil && !errors.Is(err, ErrNoToken) {
		e.log.Warn("could not read the sessions to revoke later", "err", err)
		return false
	}
	toks := splitTokens(list)
	for _, t := range toks {
		if t == token {
			return true
		}
	}
	toks = append(toks, token)
	// The queue is one keyring entry, which holds MaxSecretBytes: the
	// oldest sessions give way (they are the nearest to expiring anyway).
	joined, dropped := strings.Join(toks, "\n"), 0
	for len(toks) > 1 && len(joined) > MaxSecretBytes {
		joined, toks = joined[len(toks[0])+1:], toks[1:]
		dropped++
	}
	if dropped > 0 {
		e.log.Warn("too many sessions waiting to be revoked; the oldest are left to expire at Stytch", "dropped", dropped)
	}
	if err := e.revocations.Set(ctx, joined); err != nil {
		e.log.Warn("could not keep the session to revoke later", "err", err)
		return false
	}
	e.log.Info("session kept to revoke when Stytch can be reached", "pending", len(toks))
	e.mu.Lock()
	e.revokePending = true
	e.mu.Unlock()
	return true
}

// revokeQueued revokes the sessions queued by an earlier sign-out; those
// Stytch ended (or no longer knows) leave the queue. It returns how many
// are still waiting. The queue is not locked while Stytch is asked, so a
// sign-out that queues a token meanwhile does not wait for the network.
func (e *Engine) revokeQueued(ctx context.Context) int {
	if e.revocations == nil {
		return 0
	}
	e.revokeMu.Lock()
	list, err := e.revocations.Get(ctx)
	e.revokeMu.Unlock()
	if err != nil {
		return 0
	}
	done := map[string]bool{}
	for _, t := range splitTokens(list) {
		if ae := e.revokeToken(ctx, t); ae == nil {
			done[t] = true
		}
	}

	e.revokeMu.Lock()
	defer e.revokeMu.Unlock()
	if list, err = e.revocations.Get(ctx); err != nil && !errors.Is(err, ErrNoToken) {
		return 0
	}
	var left []string
	for _, t := range splitTokens(list) {
		if !done[t] {
			left = append(left, t)
		}
	}
	if len(left) == 0 {
		if err := e.revocations.Delete(ctx); err == nil {
			e.log.Info("sessions from an earlier sign-out were revoked at Stytch")
		}
		return 0
	}
	_ = e.revocations.Set(ctx, strings.Join(left, "\n"))
	e.log.Info("sessions from an earlier sign-out still wait to be revoked", "pending", len(left))
	return len(left)
}

// revokeQueuedSoon runs revokeQueued in the background once Stytch was
// seen answering. e.mu must be held.
func (e *Engine) revokeQueuedSoonLocked() {
	if e.revocations == nil || e.closed || e.revoking || !e.revokePending {
		return
	}
	e.revoking = true
	e.goRun(func() {
		ctx, cancel := e.callCtx()
		left := e.revokeQueued(ctx)
		cancel()
		e.mu.Lock()
		e.revoking, e.revokePending = false, left > 0
		e.mu.Unlock()
	})
}

func splitTokens(list string) []string {
	var out []string
	for _, t := range strings.Split(list, "\n") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
