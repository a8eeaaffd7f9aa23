package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/magiclink/magiclink/auth/backend"
)

// Kind classifies a failure by what the user can do about it.
type Kind int

// Failure kinds.
const (
	KindUnknown Kind = iota
	// KindInvalidEmail: the address is malformed.
	KindInvalidEmail
	// KindRateLimited: too many emails or attempts; wait and try again.
	KindRateLimited
	// KindLinkExpired: the link was already used or has expired.
	KindLinkExpired
	// KindLinkNotFound: the link is not known to Stytch (mistyped, or from another project).
	KindLinkNotFound
	// KindOtherDevice: PKCE failed: the link was opened on another device,
	// or after the app was restarted.
	KindOtherDevice
	// KindWrongTokenType: the redirect carried a token that is not a magic link.
	KindWrongTokenType
	// KindMissingToken: the redirect carried no token.
	KindMissingToken
	// KindSessionExpired: the stored session is no longer valid.
	KindSessionExpired
	// KindBadCredentials: the public token (or project id and secret) is wrong.
	KindBadCredentials
	// KindRedirectNotAllowed: the redirect URL is not registered in the Stytch project.
	KindRedirectNotAllowed
	// KindNetwork: Stytch could not be reached or answered with a server error.
	KindNetwork
	// KindKeyring: the operating system keyring failed.
	KindKeyring
	// KindPortBusy: the loopback listener could not bind its port.
	KindPortBusy
	// KindCodeWrong: the one-time code does not match.
	KindCodeWrong
	// KindCodeExpired: the one-time code expired or was used up.
	KindCodeExpired
	// KindLoginExpired: the pending login timed out before the link was used.
	KindLoginExpired
	// KindRevokeFailed: sign-out could not reach Stytch; the local copy was removed anyway.
	KindRevokeFailed
	// KindConfig: the Stytch configuration is invalid.
	KindConfig
	// KindAppNotAuthorized: the Stytch project does not list this app's ID
	// (or web domain) as an authorized application of its Frontend SDK.
	KindAppNotAuthorized
	// KindMethodDisabled: the project's Frontend SDK settings switch this
	// sign-in method (email magic links or email codes) off.
	KindMethodDisabled
	// KindProjectUnsupported: the project requires a captcha or device
	// fingerprinting, which a desktop app cannot supply.
	KindProjectUnsupported
	// KindOlderLink: PKCE failed on a link from an earlier sign-in attempt
	// of this run; the newest email's link is the one that works.
	KindOlderLink
)

var kindNames = [...]string{
	"Unknown", "InvalidEmail", "RateLimited", "LinkExpired", "LinkNotFound",
	"OtherDevice", "WrongTokenType", "MissingToken", "SessionExpired",
	"BadCredentials", "RedirectNotAllowed", "Network", "Keyring", "PortBusy",
	"CodeWrong", "CodeExpired", "LoginExpired", "RevokeFailed", "Config",
	"AppNotAuthorized", "MethodDisabled", "ProjectUnsupported", "OlderLink",
}

// String returns the kind's name.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Unknown"
	}
	return kindNames[k]
}

// Error is a failure as the user sees it: a kind, a short actionable
// message, and the underlying cause for logs. Messages never contain a
// token, verifier, secret or magic link.
type Error struct {
	Kind    Kind
	Message string
	// StytchType is Stytch's error_type when the failure came from Stytch.
	StytchType string
	// RequestID is Stytch's request id, useful when contacting support.
	RequestID string
	// Net says why Stytch could not be reached (or that it answered with
	// a server error) when Kind is KindNetwork; NetNone otherwise.
	Net   NetFault
	Cause error
}

// NetFault tells apart the ways Stytch can be out of reach, because each
// has a different fix.
type NetFault int

// Network faults.
const (
	NetNone NetFault = iota
	// NetOffline: this computer has no network at all.
	NetOffline
	// NetDNS: the API host's name could not be looked up.
	NetDNS
	// NetRefused: nothing accepted the connection at the API's address.
	NetRefused
	// NetTLS: no secure connection could be made (certificate, or not TLS).
	NetTLS
	// NetTimeout: Stytch did not answer within the request timeout.
	NetTimeout
	// NetServer: Stytch answered with a server error (5xx).
	NetServer
	// NetUnexpected: Stytch's answer was not what its API documents.
	NetUnexpected
	// NetFailed: the connection failed in another way (reset, closed).
	NetFailed
)

var netNames = [...]string{"", "offline", "dns", "refused", "tls", "timeout", "server_error", "unexpected_response", "connection_failed"}

// String returns the fault's name for logs, e.g. "refused".
func (f NetFault) String() string {
	if f < 0 || int(f) >= len(netNames) {
		return ""
	}
	return netNames[f]
}

// Error implements error.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Cause)
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// KindOf returns the Kind of err, or KindUnknown.
func KindOf(err error) Kind {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return KindUnknown
}

func newError(kind Kind, msg string, cause error) *Error {
	return &Error{Kind: kind, Message: msg, Cause: cause}
}

// classify turns an error from the Stytch SDK or the network into an
// *Error with a plain-language message. what names the action, e.g.
// "send the sign-in link".
func classify(err error, what string) *Error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if be := backend.AsError(err); be != nil {
		e := fromStytch(be, what)
		e.Cause = err
		return e
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, backend.ErrUnexpectedResponse) {
		e := newError(KindNetwork, "Stytch sent an unexpected response. Try again in a moment.", err)
		e.Net = NetUnexpected
		return e
	}
	if isNetwork(err) {
		e := newError(KindNetwork, "Can't reach Stytch. Check your internet connection and try again.", err)
		e.Net = netFault(err)
		return e
	}
	return newError(KindUnknown, fmt.Sprintf("Could not %s. Please try again.", what), err)
}

func isNetwork(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

func fromStytch(se *backend.Error, what string) *Error {
	e := &Error{StytchType: se.Type, RequestID: se.RequestID}
	switch se.Type {
	case "invalid_email":
		e.Kind, e.Message = KindInvalidEmail, "That email address doesn't look right. Check it and try again."
	case "too_many_requests":
		e.Kind, e.Message = KindRateLimited, "Too many attempts. Wait a minute, then try again."
	case "unable_to_auth_magic_link":
		e.Kind, e.Message = KindLinkExpired, "That link was already used or has expired. Ask for a new one."
	case "magic_link_not_found":
		e.Kind, e.Message = KindLinkNotFound, "That link isn't valid. Use the most recent email, or ask for a new link."
	case "pkce_mismatch", "pkce_expected_code_verifier", "pkce_did_not_expect_code_verifier",
		"invalid_pkce_code_verifier", "invalid_pkce_code_challenge":
		e.Kind, e.Message = KindOtherDevice, "That link was requested by another device or an earlier run of this app. Open the newest link on this computer."
	case "session_not_found":
		e.Kind, e.Message = KindSessionExpired, "Your session has ended. Sign in again."
	case "unauthorized_credentials", "invalid_public_token", "public_token_not_found":
		creds := se.Credentials
		if creds == "" {
			creds = "the Stytch credentials"
		}
		e.Kind, e.Message = KindBadCredentials, "Stytch rejected this app's credentials. Check "+creds+" against the Stytch dashboard (API keys)."
	case "bad_app_bundle_for_stytch_sdk", "invalid_mobile_identifier", "bad_domain_for_stytch_sdk":
		e.Kind, e.Message = KindAppNotAuthorized, "This app isn't an authorized application of the Stytch project. "+
			"In the Stytch dashboard, open Frontend SDK and add the app's ID under Authorized applications."
	case "endpoint_not_authorized_for_sdk":
		e.Kind, e.Message = KindMethodDisabled, "This sign-in method is switched off for apps in the Stytch project. "+
			"In the Stytch dashboard, open Frontend SDK and switch it on."
	case backend.TypeCaptchaRequired:
		e.Kind, e.Message = KindProjectUnsupported, "The Stytch project requires a captcha, which a desktop app can't show. "+
			"In the Stytch dashboard, open Frontend SDK and switch the captcha off for this app to sign in."
	case backend.TypeDeviceFingerprintRequired:
		e.Kind, e.Message = KindProjectUnsupported, "The Stytch project requires Device Fingerprinting Protected Auth, which a desktop app can't provide. "+
			"In the Stytch dashboard, switch it off (Frontend SDK) for this app to sign in."
	case "invalid_session_duration_minutes":
		e.Kind, e.Message = KindConfig, "Stytch refused the session length. Set --session-duration (STYTCH_SESSION_DURATION) "+
			"within the project's limit (Frontend SDK → Sessions)."
	case "no_match_for_provided_magic_link_url", "no_login_redirect_urls_set", "no_signup_redirect_urls_set":
		e.Kind, e.Message = KindRedirectNotAllowed, "The redirect URL isn't registered in your Stytch project. Add it under Redirect URLs in the Stytch dashboard, or change --redirect-url."
	case "invalid_magic_link_url", "invalid_login_magic_link_url", "invalid_signup_magic_link_url":
		e.Kind, e.Message = KindConfig, "Stytch rejected the redirect URL's format. Check --redirect-url."
	case "otp_code_not_found":
		e.Kind, e.Message = KindCodeWrong, "That code isn't right. Check the email and try again."
	case "unable_to_auth_otp_code":
		e.Kind, e.Message = KindCodeExpired, "That code has expired or was already used. Ask for a new one."
	case "email_not_found":
		e.Kind, e.Message = KindInvalidEmail, "There is no account with that email address."
	default:
		if se.StatusCode == 429 {
			e.Kind, e.Message = KindRateLimited, "Too many attempts. Wait a minute, then try again."
		} else if se.StatusCode >= 500 {
			e.Kind, e.Net = KindNetwork, NetServer
			e.Message = fmt.Sprintf("Stytch is having trouble right now (it answered HTTP %d). Try again in a moment.", se.StatusCode)
		} else {
			e.Kind, e.Message = KindUnknown, fmt.Sprintf("Could not %s (%s).", what, se.Type)
		}
	}
	return e
}

// classify is classify with the engine's own details filled in: the app ID
// the dashboard must list when Stytch does not know this app, and the API
// URL (and the setting that chose it) when Stytch can't be reached.
func (e *Engine) classify(err error, what string) *Error {
	ae := classify(err, what)
	if ae != nil && ae.Kind == KindAppNotAuthorized {
		c := *ae
		c.Message = fmt.Sprintf("This app isn't authorized in the Stytch project. In the Stytch dashboard, open Frontend SDK "+
			"and add %s under Authorized applications.", e.app.ID)
		ae = &c
	}
	if ae != nil && ae.Kind == KindNetwork && ae.Net != NetServer && ae.Net != NetUnexpected {
		c := *ae
		c.Message = netMessage(c.Net, c.Cause, e.cfg)
		ae = &c
	}
	return ae
}

// netFault tells why a request did not reach Stytch.
func netFault(err error) NetFault {
	var dns *net.DNSError
	var certInvalid x509.CertificateInvalidError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certVerify *tls.CertificateVerificationError
	var recordHeader tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case isNetUnreachable(err), strings.Contains(err.Error(), "network is unreachable"):
		return NetOffline
	case errors.As(err, &dns):
		if strings.Contains(dns.Err, "unreachable") {
			return NetOffline
		}
		return NetDNS
	case isConnRefused(err):
		return NetRefused
	case errors.As(err, &certVerify), errors.As(err, &certInvalid), errors.As(err, &unknownCA), errors.As(err, &hostname),
		errors.As(err, &recordHeader), errors.As(err, &alert), strings.Contains(err.Error(), "tls: "),
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return NetTLS
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err), isConnTimedOut(err):
		return NetTimeout
	}
	return NetFailed
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// netMessage says why Stytch can't be reached and what to do. A fault at
// a configured base URL names the URL and the setting, because the likely
// fix is there and not in the network.
func netMessage(f NetFault, cause error, cfg Config) string {
	api := cfg.APIBaseURL()
	host := api
	if u, err := url.Parse(api); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	setting := cfg.BaseURLSetting
	if setting == "" {
		setting = EnvBaseURL + " (--base-url)"
	}
	configured := cfg.BaseURL != ""
	check := " Check " + setting + "."
	switch f {
	case NetOffline:
		return "You're offline: this computer has no network connection. Connect to the internet and try again."
	case NetDNS:
		if configured {
			return "Can't find the host " + host + " of the Stytch API URL " + api + " set by " + setting + ". Check that setting."
		}
		return "Can't look up " + host + " (DNS failed). Check your internet connection and try again."
	case NetRefused:
		if configured {
			return "Nothing is answering at " + api + " (the connection was refused)." + check
		}
		return "Stytch at " + api + " refused the connection. Try again in a moment; if it keeps happening, check your proxy or firewall."
	case NetTLS:
		msg := "Couldn't make a secure connection to " + api + " (" + tlsReason(cause) + ")."
		if configured {
			return msg + check
		}
		return msg + " A proxy or firewall may be intercepting the connection; check your network settings."
	case NetTimeout:
		msg := fmt.Sprintf("Stytch at %s didn't answer within %s. Check your internet connection and try again.", api, cfg.WithDefaults().RequestTimeout)
		if configured {
			msg += " If it keeps happening, check " + setting + "."
		}
		return msg
	}
	if configured {
		return "Can't reach Stytch at " + api + " (the connection failed)." + check
	}
	return "Can't reach Stytch at " + api + " (the connection failed). Check your internet connection and try again."
}

// tlsReason says in a few words why a TLS connection failed.
func tlsReason(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var recordHeader tls.RecordHeaderError
	switch {
	case errors.As(err, &unknownCA):
		return "its certificate isn't signed by an authority this computer trusts"
	case errors.As(err, &hostname):
		return "its certificate is for another host"
	case errors.As(err, &certInvalid):
		if certInvalid.Reason == x509.Expired {
			return "its certificate has expired or is not yet valid"
		}
		return "its certificate isn't valid"
	case errors.As(err, &recordHeader), err != nil && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "it doesn't speak HTTPS; the URL may need http://"
	}
	return "the TLS handshake failed"
}

// causeText is err for a debug log: transport and Stytch errors hold no
// token (requests carry tokens in headers and bodies, never in URLs), and
// a URL's query and credentials are dropped all the same.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	if be := backend.AsError(err); be != nil {
		// Stytch's own English message is left out: it may quote what was
		// sent. Its type and request id are logged beside.
		short := *be
		short.Message = ""
		return strings.Replace(err.Error(), be.Error(), short.Error(), 1)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.User, u.RawQuery, u.Fragment = nil, "", ""
			safe := *ue
			safe.URL = u.String()
			return strings.Replace(err.Error(), ue.Error(), safe.Error(), 1)
		}
	}
	return err.Error()
}

// logFailure logs a failure the user is told about: its kind, why Stytch
// was out of reach, Stytch's error type and request id, and at debug level
// the underlying error. Never a token, code, verifier or link.
func (e *Engine) logFailure(msg string, ae *Error) {
	attrs := []any{"kind", ae.Kind.String()}
	if ae.Net != NetNone {
		attrs = append(attrs, "net", ae.Net.String())
	}
	if ae.StytchType != "" {
		attrs = append(attrs, "stytch_error", ae.StytchType)
	}
	if ae.RequestID != "" {
		attrs = append(attrs, "request_id", ae.RequestID)
	}
	if ae.Cause != nil && e.log.Enabled(context.Background(), slog.LevelDebug) {
		attrs = append(attrs, "cause", causeText(ae.Cause))
	}
	e.log.Warn(msg, attrs...)
}
