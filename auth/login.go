package auth

import (
	"context"
	"errors"
	"net/mail"
	"runtime"
	"strings"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// rateLimitBackoff is how long Resend stays disabled after Stytch
// answered too_many_requests.
const rateLimitBackoff = time.Minute

// pendingLogin is one sign-in attempt for one address: the PKCE verifier
// (memory only), the loopback listener and, when asked for, a one-time code.
type pendingLogin struct {
	id        uint64
	email     string
	pk        pkce
	ln        *listener
	expiry    *time.Timer
	codeT     *time.Timer
	methodID  string // email_id for the one-time code
	verifying bool
	// expired and codeExpired record an expiry that fired while a
	// verification was in flight; it takes effect if that one fails.
	expired     bool
	codeExpired bool
}

// stop closes the listener and timers. Safe to call more than once.
func (l *pendingLogin) stop() {
	if l.expiry != nil {
		l.expiry.Stop()
	}
	if l.codeT != nil {
		l.codeT.Stop()
	}
	if l.ln != nil {
		go l.ln.Close(ShutdownGrace)
	}
}

// ValidateEmail checks an address before any call to Stytch. It returns a
// KindInvalidEmail *Error with a message fit for the user.
func ValidateEmail(addr string) error {
	bad := func(msg string) error { return newError(KindInvalidEmail, msg, nil) }
	if addr == "" {
		return bad("Enter your email address.")
	}
	if len(addr) > 254 {
		return bad("That email address is too long.")
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return bad("Enter an email address like name@example.com.")
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || len(local) > 64 || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return bad("Enter an email address like name@example.com.")
	}
	return nil
}

// StartLogin validates addr and, if it is well formed, starts a login in
// the background: open the loopback listener, then ask Stytch to email a
// PKCE-bound magic link. A malformed address returns a KindInvalidEmail
// *Error at once and changes nothing. Any pending login is replaced.
func (e *Engine) StartLogin(addr string) error {
	addr = strings.TrimSpace(addr)
	if err := ValidateEmail(addr); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.snap.State {
	case StateSignedOut, StateLinkSent:
	default:
		return newError(KindUnknown, "Sign-in can't start right now ("+e.snap.State.String()+").", nil)
	}
	if e.closed {
		return errors.New("engine closed")
	}
	if old := e.login; old != nil {
		if old.verifying {
			return newError(KindUnknown, "A sign-in is being completed. Wait a moment.", nil)
		}
		e.login = nil
		old.stop()
	}
	e.nextID++
	l := &pendingLogin{id: e.nextID, email: addr}
	e.login = l
	e.updateLocked(func(s *Snapshot) {
		*s = Snapshot{State: StateSending, Email: addr, Notice: s.Notice}
	})
	e.goRun(func() { e.sendFirstLink(l) })
	return nil
}

func (e *Engine) sendFirstLink(l *pendingLogin) {
	e.mu.Lock()
	linksOff := e.linksOff
	e.mu.Unlock()
	if linksOff {
		e.emailCode(l, true)
		return
	}
	pk, err := newPKCE()
	if err != nil {
		e.failLogin(l, e.classify(err, "start sign-in"))
		return
	}
	if e.redirect.Scheme == DeepLinkScheme {
		// The link comes back through the operating system (OpenLink):
		// no listener, no port.
		e.mu.Lock()
		if e.login != l {
			e.mu.Unlock()
			return
		}
		l.pk = pk
		e.mu.Unlock()
		e.finishSend(l, e.sendLink(l))
		return
	}
	// One listener start at a time, and never before the previous login's
	// listener has released the port ("Use a different email", then a
	// quick resubmit).
	e.lnMu.Lock()
	e.mu.Lock()
	prev := e.lastLn
	e.mu.Unlock()
	if prev != nil {
		prev.waitClosed(ShutdownGrace + time.Second)
	}
	ln, err := startListener(e.redirect, e.callbackFor(l), e.log)
	if err == nil {
		e.mu.Lock()
		e.lastLn = ln
		e.mu.Unlock()
	}
	e.lnMu.Unlock()
	var busy *Error
	if errors.As(err, &busy) && busy.Kind == KindPortBusy && e.cfg.RedirectURLSetting != "" {
		// Name the setting the user actually set.
		err = portError(e.redirect.Port(), e.redirect.Host, e.cfg.RedirectURLSetting, busy.Cause)
	}
	if err != nil {
		e.failLogin(l, e.classify(err, "start sign-in"))
		return
	}
	e.mu.Lock()
	if e.login != l {
		e.mu.Unlock()
		ln.Close(0)
		return
	}
	l.pk, l.ln = pk, ln
	e.mu.Unlock()
	e.finishSend(l, e.sendLink(l))
}

// finishSend records the outcome of sending login l's first link.
func (e *Engine) finishSend(l *pendingLogin, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.login != l {
		return
	}
	if err != nil && l.verifying {
		// The link arrived although the send seemed to fail (Stytch sent it
		// and the answer was lost): the verification in flight decides.
		ae := e.classify(err, "send the sign-in link")
		e.logFailure("the send seemed to fail, but the link was already followed", ae)
		e.linkSentLocked(l)
		return
	}
	if err != nil {
		ae := e.classify(err, "send the sign-in link")
		e.logFailure("could not send magic link", ae)
		if ae.Kind == KindMethodDisabled {
			// The project allows no links for this app: close the
			// listener and email a code instead, if codes are allowed.
			e.linksOff = true
			e.log.Info("email magic links are switched off for this app; using a one-time code")
			if l.ln != nil {
				go l.ln.Close(ShutdownGrace)
				l.ln = nil
			}
			if !e.codesOff {
				e.goRun(func() { e.emailCode(l, true) })
				return
			}
			ae = noMethodError(ae)
		}
		e.login = nil
		l.stop()
		e.updateLocked(func(s *Snapshot) {
			*s = Snapshot{State: StateSignedOut, Email: l.email, Err: ae, Notice: s.Notice}
		})
		return
	}
	e.linkSentLocked(l)
	e.updateLocked(func(s *Snapshot) {
		// Only Sending moves on to Check your inbox: the link may have been
		// followed before Stytch's answer was handled, and Verifying (or
		// what came after it) must not be undone.
		if s.State == StateSending {
			s.State = StateLinkSent
		}
	})
}

// sendLink asks Stytch to email a magic link for l, bound to l's PKCE
// challenge. Login and signup links get the same redirect and lifetime,
// because the verifier only lives as long as the pending login.
func (e *Engine) sendLink(l *pendingLogin) error {
	ctx, cancel := e.callCtx()
	defer cancel()
	err := e.api.SendLink(ctx, backend.LinkRequest{
		Email:         l.email,
		RedirectURL:   e.cfg.RedirectURL,
		Expiry:        e.cfg.LinkExpiry,
		CodeChallenge: l.pk.challenge,
	})
	if err == nil {
		e.log.Info("magic link sent", "login", l.id)
	}
	return err
}

// linkSentLocked records a successful send: the link is valid for
// LinkExpiry and the pending login expires with it.
func (e *Engine) linkSentLocked(l *pendingLogin) {
	now := e.now()
	if l.expiry != nil {
		l.expiry.Stop()
	}
	l.expiry = time.AfterFunc(e.cfg.LinkExpiry, func() { e.expireLogin(l) })
	e.updateLocked(func(s *Snapshot) {
		s.Link = Pending{Active: true, SentAt: now, ExpiresAt: now.Add(e.cfg.LinkExpiry), ResendAt: now.Add(e.cfg.ResendCooldown)}
		s.Err = nil
	})
}

func (e *Engine) failLogin(l *pendingLogin, ae *Error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.login != l {
		return
	}
	e.logFailure("could not start sign-in", ae)
	e.login = nil
	l.stop()
	e.updateLocked(func(s *Snapshot) {
		*s = Snapshot{State: StateSignedOut, Email: l.email, Err: ae, Notice: s.Notice}
	})
}

func (e *Engine) expireLogin(l *pendingLogin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.login != l {
		return
	}
	if l.verifying {
		l.expired = true
		return
	}
	e.expireLoginLocked(l)
}

// expireLoginLocked ends pending login l because its link expired.
func (e *Engine) expireLoginLocked(l *pendingLogin) {
	e.log.Info("pending sign-in expired", "login", l.id)
	e.login = nil
	l.stop()
	e.updateLocked(func(s *Snapshot) {
		*s = Snapshot{State: StateSignedOut, Email: l.email, Notice: s.Notice,
			Err: newError(KindLoginExpired, "The sign-in link expired before it was used. Ask for a new one.", nil)}
	})
}

// Resend emails a new link for the pending login, bound to the same
// verifier. It does nothing during the cooldown or while a send is busy.
func (e *Engine) Resend() {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.login
	if l == nil || e.linksOff || e.snap.State != StateLinkSent || e.snap.Busy || e.now().Before(e.snap.Link.ResendAt) {
		return
	}
	e.updateLocked(func(s *Snapshot) { s.Busy = true })
	e.goRun(func() {
		err := e.sendLink(l)
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.sendDoneLocked(l, err, "send a new link", func(s *Snapshot, until time.Time) { s.Link.ResendAt = until }) {
			e.linkSentLocked(l)
		}
	})
}

// sendDoneLocked ends a background send for login l: it clears Busy and
// shows a failure. It reports whether the send succeeded and l is still the
// pending login. e.mu must be held.
func (e *Engine) sendDoneLocked(l *pendingLogin, err error, what string, setResend func(*Snapshot, time.Time)) bool {
	if e.login != l {
		return false
	}
	e.updateLocked(func(s *Snapshot) { s.Busy = false })
	if err != nil {
		e.sendFailedLocked(e.classify(err, what), what, setResend)
		return false
	}
	return true
}

// sendFailedLocked shows a failed resend; on a rate limit it also pushes
// the resend time back.
func (e *Engine) sendFailedLocked(ae *Error, what string, setResend func(*Snapshot, time.Time)) {
	e.logFailure("could not "+what, ae)
	e.updateLocked(func(s *Snapshot) {
		s.Err = ae
		if ae.Kind == KindRateLimited {
			setResend(s, e.now().Add(rateLimitBackoff))
		}
	})
}

// Cancel forgets the pending login: the verifier is dropped and the
// listener closed, so links already emailed can no longer sign in here.
func (e *Engine) Cancel() {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.login
	if l == nil || l.verifying {
		return
	}
	e.login = nil
	l.stop()
	e.log.Info("sign-in cancelled", "login", l.id)
	e.updateLocked(func(s *Snapshot) {
		*s = Snapshot{State: StateSignedOut, Email: l.email, Notice: s.Notice}
	})
}

// StartCodeLogin emails a one-time code for the pending login's address,
// for people who read their mail on another device. The magic link stays
// valid; whichever is used first signs in.
func (e *Engine) StartCodeLogin() error {
	return e.sendCode(false)
}

// ResendCode emails a new one-time code (the old one stops working).
func (e *Engine) ResendCode() {
	_ = e.sendCode(true)
}

func (e *Engine) sendCode(resend bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.login
	if l == nil || e.snap.State != StateLinkSent {
		return newError(KindUnknown, "Ask for a sign-in link first.", nil)
	}
	if e.codesOff {
		return newError(KindMethodDisabled, codesOffMessage, nil)
	}
	if e.snap.Busy {
		return nil
	}
	if resend && e.now().Before(e.snap.Code.ResendAt) {
		return nil
	}
	e.updateLocked(func(s *Snapshot) { s.Busy = true })
	e.goRun(func() { e.emailCode(l, false) })
	return nil
}

// Messages for sign-in methods switched off in the project's Frontend SDK settings.
const (
	codesOffMessage = "One-time codes are switched off for this app in the Stytch project, so use the link in the email. " +
		"(The project owner can switch on Email OTP under Frontend SDK in the Stytch dashboard.)"
	noMethodMessage = "Neither email links nor one-time codes are switched on for this app in the Stytch project. " +
		"The project owner can switch on Email magic links or Email OTP under Frontend SDK in the Stytch dashboard."
)

func noMethodError(cause *Error) *Error {
	return &Error{Kind: KindMethodDisabled, Message: noMethodMessage, StytchType: cause.StytchType, RequestID: cause.RequestID, Cause: cause}
}

// emailCode asks Stytch to email a one-time code for login l. With
// instead, the code replaces a magic link the project does not allow: the
// login is still Sending and becomes LinkSent with only a code pending.
func (e *Engine) emailCode(l *pendingLogin, instead bool) {
	ctx, cancel := e.callCtx()
	defer cancel()
	methodID, err := e.api.SendCode(ctx, l.email, e.cfg.CodeExpiry)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.login != l {
		return
	}
	if err != nil {
		ae := e.classify(err, "send a code")
		if ae.Kind == KindMethodDisabled {
			e.codesOff = true
			if instead {
				ae = noMethodError(ae)
			} else {
				ae = &Error{Kind: KindMethodDisabled, Message: codesOffMessage, StytchType: ae.StytchType, RequestID: ae.RequestID, Cause: ae}
			}
		}
		if instead {
			e.logFailure("could not send a one-time code", ae)
			e.login = nil
			l.stop()
			e.updateLocked(func(s *Snapshot) {
				*s = Snapshot{State: StateSignedOut, Email: l.email, Err: ae, Notice: s.Notice}
			})
			return
		}
		e.updateLocked(func(s *Snapshot) { s.Busy = false })
		e.sendFailedLocked(ae, "send a code", func(s *Snapshot, until time.Time) { s.Code.ResendAt = until })
		return
	}
	e.log.Info("one-time code sent", "login", l.id)
	now := e.now()
	l.methodID = methodID
	if l.codeT != nil {
		l.codeT.Stop()
	}
	l.codeT = time.AfterFunc(e.cfg.CodeExpiry, func() { e.expireCode(l) })
	if instead {
		if l.expiry == nil {
			l.expiry = time.AfterFunc(e.cfg.LinkExpiry, func() { e.expireLogin(l) })
		}
		e.updateLocked(func(s *Snapshot) {
			if s.State == StateSending {
				s.State = StateLinkSent
			}
		})
	}
	e.updateLocked(func(s *Snapshot) {
		s.Busy = false
		s.Code = Pending{Active: true, SentAt: now, ExpiresAt: now.Add(e.cfg.CodeExpiry), ResendAt: now.Add(e.cfg.ResendCooldown)}
		s.Err = nil
	})
}

func (e *Engine) expireCode(l *pendingLogin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.login != l {
		return
	}
	if l.verifying {
		l.codeExpired = true
		return
	}
	l.methodID = ""
	e.updateLocked(func(s *Snapshot) { s.Code.Active = false })
}

// NormalizeCode strips the spaces and dashes people paste with a code and
// reports whether six digits remain.
func NormalizeCode(code string) (string, bool) {
	var b strings.Builder
	for _, r := range code {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\t':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == 6
}

// VerifyCode exchanges a one-time code for a session. A code that is not
// six digits returns a KindCodeWrong *Error at once.
func (e *Engine) VerifyCode(code string) error {
	c, ok := NormalizeCode(code)
	if !ok {
		return newError(KindCodeWrong, "Enter the 6-digit code from the email.", nil)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.login
	if l == nil || l.methodID == "" {
		return newError(KindCodeExpired, "There is no code to check. Ask for a new code.", nil)
	}
	if l.verifying {
		return newError(KindUnknown, "A sign-in is already being completed.", nil)
	}
	l.verifying = true
	method := l.methodID
	e.updateLocked(func(s *Snapshot) { s.State, s.Err = StateVerifying, nil })
	e.goRun(func() {
		ctx, cancel := e.callCtx()
		defer cancel()
		res, err := e.api.AuthenticateCode(ctx, method, c, e.cfg.SessionDuration)
		if err != nil {
			ae := e.classify(err, "check the code")
			if ae.Kind == KindRateLimited {
				// Stytch burns a code after too many wrong tries.
				c := *ae
				c.Message = "Too many wrong codes. Ask for a new code."
				ae = &c
			}
			e.verifyFailed(l, ae, func(s *Snapshot) {
				if ae.Kind == KindCodeExpired || ae.Kind == KindRateLimited {
					l.methodID = ""
					s.Code.Active = false
				}
			})
			return
		}
		e.completeSignIn(l, res)
	})
	return nil
}

// verifyFailed returns a pending login to LinkSent after a failed link or
// code, so the user can try the other one or a newer email.
func (e *Engine) verifyFailed(l *pendingLogin, ae *Error, more func(*Snapshot)) *Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	l.verifying = false
	e.logFailure("sign-in attempt failed", ae)
	if e.login != l {
		return ae
	}
	if l.expired {
		e.expireLoginLocked(l)
		return ae
	}
	ae = e.linkErrorLocked(l, ae)
	e.updateLocked(func(s *Snapshot) {
		s.State, s.Err = StateLinkSent, ae
		if more != nil {
			more(s)
		}
		if l.codeExpired {
			l.methodID, l.codeExpired = "", false
			s.Code.Active = false
		}
	})
	return ae
}

// Messages for a link that failed while login l is still pending.
const (
	olderLinkMessage       = "That's an older link — use the newest email. Each new sign-in request replaces the links sent before it."
	usedLinkNewestMessage  = "That link was already used or has expired. Use the link in the newest email from Magiclink."
	usedLinkResendMessage  = "That link was already used or has expired. Press Resend for a new one."
	olderLinkPageHint      = "Go back to Magiclink and open the link in the newest email."
	usedLinkNewestPageHint = "Open the link in the newest email from Magiclink."
)

// linkErrorLocked says what happened to a link that failed while login l
// is pending: a PKCE failure after earlier attempts in this run is an
// older link (not another device or a restart), and a used or expired
// link says to use the newest email while Resend is not yet offered.
func (e *Engine) linkErrorLocked(l *pendingLogin, ae *Error) *Error {
	c := *ae
	switch {
	case ae.Kind == KindOtherDevice && l.id > 1:
		c.Kind, c.Message = KindOlderLink, olderLinkMessage
	case ae.Kind == KindLinkExpired && e.snap.Link.Active && e.now().Before(e.snap.Link.ResendAt):
		c.Message = usedLinkNewestMessage
	case ae.Kind == KindLinkExpired && e.snap.Link.Active && !e.linksOff:
		c.Message = usedLinkResendMessage
	default:
		return ae
	}
	return &c
}

// callbackFor returns the listener's handler for login l. Only one token
// is exchanged at a time; the first that succeeds signs in.
func (e *Engine) callbackFor(l *pendingLogin) callbackFunc {
	return func(_ context.Context, token string) page {
		e.mu.Lock()
		switch {
		case e.login != l && e.snap.State == StateSignedIn:
			e.mu.Unlock()
			return pageAlreadySignedIn()
		case e.login != l:
			e.mu.Unlock()
			return pageNoLogin()
		case l.verifying:
			e.mu.Unlock()
			return pageInProgress()
		}
		l.verifying = true
		verifier := l.pk.verifier
		e.updateLocked(func(s *Snapshot) { s.State, s.Err = StateVerifying, nil })
		hook := e.verifyFn
		e.mu.Unlock()
		if hook != nil {
			hook()
		}

		// The browser may give up; the exchange still completes.
		ctx, cancel := e.callCtx()
		defer cancel()
		res, err := e.api.AuthenticateLink(ctx, token, verifier, e.cfg.SessionDuration)
		if err != nil {
			ae := e.verifyFailed(l, e.classify(err, "sign in"), nil)
			p := pageFor(ae.Kind, ae.Message)
			if ae.Message == usedLinkNewestMessage {
				p.Hint = usedLinkNewestPageHint
			}
			return p
		}
		if email, ok := e.completeSignIn(l, res); ok {
			return pageSignedIn(email)
		}
		return pageNoLogin()
	}
}

// completeSignIn stores the new session and switches to SignedIn. If the
// login was cancelled meanwhile, the new session is revoked so none is
// left behind. It reports the signed-in address and whether it signed in.
func (e *Engine) completeSignIn(l *pendingLogin, res *backend.Auth) (string, bool) {
	if res == nil || res.SessionToken == "" {
		// Stytch answered without a session: treat it as a failed attempt.
		e.verifyFailed(l, newError(KindUnknown, "Stytch didn't start a session. Please try again.", nil), nil)
		return "", false
	}
	e.mu.Lock()
	if e.login != l {
		e.mu.Unlock()
		e.log.Warn("sign-in completed after it was cancelled; revoking the new session")
		e.revoke(res.SessionToken)
		return "", false
	}
	token := res.SessionToken
	e.login = nil
	l.stop()
	store := e.store
	e.token = token
	e.mu.Unlock()

	notice := e.storeToken(store, token)
	prof := profileFrom(res, e.now())

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return prof.Email, true
	}
	e.log.Info("signed in", "login", l.id)
	e.retryN = 0
	e.updateLocked(func(s *Snapshot) {
		*s = Snapshot{State: StateSignedIn, Email: prof.Email, Profile: prof, Notice: notice}
	})
	e.scheduleCheckLocked(e.cfg.CheckInterval)
	e.revokeQueuedSoonLocked()
	return prof.Email, true
}

// storeToken saves the token; when the keyring fails the engine falls back
// to memory and returns a notice for the user.
func (e *Engine) storeToken(store TokenStore, token string) string {
	ctx, cancel := context.WithTimeout(e.ctx, DefaultKeyringTimeout+time.Second)
	defer cancel()
	err := store.Set(ctx, token)
	if err == nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.noKeyring {
			return noKeyringNotice(runtime.GOOS)
		}
		return ""
	}
	e.log.Warn("could not save the session in the keyring; keeping it in memory", "err", err)
	e.mu.Lock()
	e.useMemoryStoreLocked()
	_ = e.store.Set(ctx, token)
	e.mu.Unlock()
	if errors.Is(err, ErrSecretTooLarge) {
		return tooLargeNotice
	}
	return noKeyringNotice(runtime.GOOS)
}

// useMemoryStoreLocked switches to keeping the session in memory after the
// keyring failed. The keyring store is kept in e.keyring for sign-out.
// e.mu must be held.
func (e *Engine) useMemoryStoreLocked() {
	e.store, e.noKeyring = &MemoryStore{}, true
}

// tooLargeNotice says a session token did not fit in one keyring entry.
const tooLargeNotice = "You're signed in, but this session is larger than this computer's keyring can hold, " +
	"so you'll need to sign in again next time."

// noKeyringNotice tells the user a sign-in won't outlive this run.
func noKeyringNotice(goos string) string {
	k := keyringTextFor(goos)
	return "You're signed in, but " + k.Unavailable + ", so you'll need to sign in again next time. " + k.Fix
}

func (e *Engine) revoke(token string) {
	// Not e.callCtx: this also runs while Close cancels e.ctx.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), e.cfg.RequestTimeout)
	defer cancel()
	if ae := e.revokeToken(ctx, token); ae != nil {
		e.logFailure("could not revoke session", ae)
	}
}

// revokeToken ends the session with token at Stytch. A session Stytch no
// longer knows counts as ended, so only other failures are returned.
func (e *Engine) revokeToken(ctx context.Context, token string) *Error {
	err := e.api.Revoke(ctx, token)
	if err == nil {
		return nil
	}
	if ae := e.classify(err, "end the session"); ae.Kind != KindSessionExpired {
		return ae
	}
	return nil
}
