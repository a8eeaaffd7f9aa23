package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// Messages of a deep link that arrives when it can't sign in.
const (
	// AlreadySignedInNotice is shown in the app when a link is opened
	// after the sign-in it belonged to has completed.
	AlreadySignedInNotice = "You're already signed in. That link's sign-in was already completed."
	// noPendingLinkMessage: the link reached an app that holds no PKCE
	// verifier for it (it was started by the link, or restarted since).
	noPendingLinkMessage = "That link was requested by another device or an earlier run of this app, so this app can't finish it (its PKCE verifier is gone). Ask for a new link here and open the newest one on this computer."
)

// ErrLinkRefused is returned by OpenLink for a URL that is not a sign-in
// link for this app's redirect URL; the reason says what was wrong.
var ErrLinkRefused = errors.New("not a sign-in link for this app")

// LinkRefusedError says why OpenLink refused a URL, without the URL.
type LinkRefusedError struct{ Reason string }

func (e *LinkRefusedError) Error() string { return "refused a deep link: " + e.Reason }
func (e *LinkRefusedError) Unwrap() error { return ErrLinkRefused }

// checkDeepLink returns the token of raw if it is exactly the configured
// deep-link redirect URL (scheme, host and path) with a valid magic-link
// query — the same check of the query as the loopback listener's.
func checkDeepLink(redirect *url.URL, raw string) (string, error) {
	refuse := func(r string) (string, error) { return "", &LinkRefusedError{Reason: r} }
	if redirect == nil || redirect.Scheme != DeepLinkScheme {
		return refuse("the app is not set up for " + DeepLinkScheme + ":// links (its redirect URL is a loopback URL)")
	}
	if len(raw) > maxTokenLen+1024 {
		return refuse("the link is too long")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return refuse("not a valid URL")
	case !strings.EqualFold(u.Scheme, redirect.Scheme) || u.Opaque != "":
		return refuse("not a " + DeepLinkScheme + ":// link")
	case !strings.EqualFold(u.Host, redirect.Host) || u.Path != redirect.Path:
		return refuse("its host or path is not the redirect URL's " + redirect.String())
	case u.User != nil || u.Fragment != "":
		return refuse("it has credentials or a #fragment")
	}
	token, bad := callbackToken(u.Query())
	if bad != nil {
		return refuse(bad.Heading)
	}
	return token, nil
}

// OpenLink finishes a sign-in with a deep link the operating system handed
// the app (magiclink://authenticate?stytch_token_type=magic_links&token=…).
// A URL that is not exactly the configured redirect URL, or whose query
// is not a magic-link token, is refused with a *LinkRefusedError and
// logged without its token. A valid link is exchanged with the pending
// sign-in's PKCE verifier and the outcome shows in the snapshot as for the
// loopback path; opened after that sign-in completed, it sets
// AlreadySignedInNotice; with no sign-in pending it is not spent at all
// and the snapshot says why it can't be finished here.
func (e *Engine) OpenLink(raw string) error {
	token, err := checkDeepLink(e.redirect, raw)
	if err != nil {
		e.log.Warn("refused a deep link", "reason", err.(*LinkRefusedError).Reason)
		return err
	}
	e.mu.Lock()
	l := e.login
	switch {
	case e.closed:
		e.mu.Unlock()
		return errors.New("engine closed")
	case l == nil && e.snap.State == StateSignedIn:
		e.log.Info("deep link opened after the sign-in completed")
		e.updateLocked(func(s *Snapshot) { s.Notice = AlreadySignedInNotice })
		e.mu.Unlock()
		return nil
	case l == nil || l.pk.verifier == "":
		e.log.Info("deep link with no sign-in pending; not spending it")
		e.updateLocked(func(s *Snapshot) {
			if s.State == StateSignedOut {
				s.Err = newError(KindOtherDevice, noPendingLinkMessage, nil)
			}
		})
		e.mu.Unlock()
		return nil
	}
	e.mu.Unlock()
	e.goRun(func() {
		p := e.callbackFor(l)(context.Background(), token)
		e.log.Debug("deep link handled", "outcome", p.Heading)
		if p.Heading == pageAlreadySignedIn().Heading {
			e.mu.Lock()
			e.updateLocked(func(s *Snapshot) { s.Notice = AlreadySignedInNotice })
			e.mu.Unlock()
		}
	})
	return nil
}
