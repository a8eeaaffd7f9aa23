package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
)

const maxURLLength = 2048

// normalizeEmail validates an address the way Stytch's invalid_email check
// does for ordinary input and returns its lower-case form.
func normalizeEmail(s string) (string, bool) {
	if s == "" || len(s) > 254 || strings.TrimSpace(s) != s {
		return "", false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || strings.ContainsAny(s, "\"\\ ") {
		return "", false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.HasPrefix(domain, "[") {
		return "", false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", false
		}
		for _, r := range label {
			if r > unicode.MaxASCII || !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

// parseRedirectURL checks that raw is an absolute URL usable as a redirect
// target: http(s) with a host, or a custom scheme (native apps).
func parseRedirectURL(raw string) (*url.URL, error) {
	if raw == "" || len(raw) > maxURLLength {
		return nil, errors.New("empty or too long")
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f {
			return nil, errors.New("contains spaces or control characters")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "" || u.Opaque != "" {
		return nil, errors.New("not an absolute URL")
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return nil, errors.New("no host")
	}
	if u.User != nil {
		return nil, errors.New("has user info")
	}
	return u, nil
}

// redirectKey is the part of a redirect URL the allow-list compares:
// scheme, host and path, without query or fragment.
func redirectKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
}

// allowListKey validates an allow-list entry, which may contain "*"
// wildcards, and returns its comparable key (see redirectKey).
func allowListKey(raw string) (string, error) {
	if !strings.Contains(raw, "*") {
		u, err := parseRedirectURL(raw)
		if err != nil {
			return "", err
		}
		return redirectKey(u), nil
	}
	// Validate with the wildcards replaced by a digit, which is valid in
	// both hosts and ports, then build the key from the raw text.
	if _, err := parseRedirectURL(strings.ReplaceAll(raw, "*", "1")); err != nil {
		return "", err
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	scheme, rest, _ := strings.Cut(raw, "://")
	host, path, found := strings.Cut(rest, "/")
	if found {
		path = "/" + path
	}
	return strings.ToLower(scheme) + "://" + strings.ToLower(host) + path, nil
}

// isNative reports whether u is a custom-scheme (non-http) callback.
func isNative(u *url.URL) bool {
	s := strings.ToLower(u.Scheme)
	return s != "http" && s != "https"
}

// redirectAllowed reports whether u matches an allow-list entry. Callers
// must hold e.mu.
func (e *Emulator) redirectAllowed(u *url.URL) bool {
	key := redirectKey(u)
	for _, pattern := range e.redirects {
		if globMatch(pattern, key) {
			return true
		}
	}
	return false
}

// globMatch matches s against pattern, where "*" stands for any run of
// characters other than "/" and every other character matches itself.
func globMatch(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	star := strings.IndexByte(pattern, '*')
	prefix, rest := pattern[:star], pattern[star+1:]
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	s = s[len(prefix):]
	for i := 0; i <= len(s); i++ {
		if globMatch(rest, s[i:]) {
			return true
		}
		if i < len(s) && s[i] == '/' {
			break
		}
	}
	return false
}

// validCodeChallenge reports whether c is an S256 challenge: 43 base64url
// characters (trailing "=" padding tolerated).
func validCodeChallenge(c string) bool {
	c = strings.TrimRight(c, "=")
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

// validCodeVerifier reports whether v is an RFC 7636 verifier (43 to 128
// unreserved characters; "=" tolerated).
func validCodeVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		ok := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' ||
			r == '-' || r == '.' || r == '_' || r == '~' || r == '='
		if !ok {
			return false
		}
	}
	return true
}

// pkceMatches reports whether base64url(SHA-256(verifier)) equals challenge,
// ignoring "=" padding, in constant time.
func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	want := strings.TrimRight(challenge, "=")
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// validSessionMinutes reports whether m is 0 (no session) or within Stytch's
// 5..527040 range.
func validSessionMinutes(m int64) bool {
	return m == 0 || m >= minSessionMinutes && m <= maxSessionMinutes
}
