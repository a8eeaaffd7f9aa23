package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// pkce is a PKCE (RFC 7636, S256) verifier and its challenge. The verifier
// lives in memory only, for one pending login.
type pkce struct {
	verifier  string
	challenge string
}

// newPKCE makes a verifier from 32 random bytes (43 base64url characters)
// and its S256 challenge.
func newPKCE() (pkce, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return pkce{}, fmt.Errorf("could not generate a PKCE verifier: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(b[:])
	return pkce{verifier: v, challenge: challengeOf(v)}, nil
}

// challengeOf returns base64url(SHA-256(verifier)) without padding.
func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
