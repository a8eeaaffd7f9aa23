package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
)

// randomBytes returns n bytes from crypto/rand. crypto/rand.Read never
// returns an error on supported platforms (it crashes the program instead), so
// callers need no error path.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// newUUID returns a random (version 4, RFC 9562) UUID in its canonical form.
func newUUID() string {
	b := randomBytes(16)
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // variant 10
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newID returns a Stytch-style identifier such as "user-test-<uuid>".
func (e *Emulator) newID(kind string) string {
	return kind + "-" + e.env + "-" + newUUID()
}

// newRequestID returns a Stytch-style request id.
func (e *Emulator) newRequestID() string {
	return "request-id-" + e.env + "-" + newUUID()
}

// newMagicLinkToken returns 32 random bytes, base64url with padding (44
// characters, the last one "="), the shape Stytch's magic-link tokens have.
func newMagicLinkToken() string {
	return base64.URLEncoding.EncodeToString(randomBytes(32))
}

// newSessionToken returns a 44-character opaque session token.
func newSessionToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(33))
}

// newOTPCode returns a uniformly random 6-digit code.
func newOTPCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		// Unreachable with crypto/rand.Reader; fall back to reduced bytes.
		b := randomBytes(4)
		v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) % 1_000_000
		return fmt.Sprintf("%06d", v)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// hashToken returns the hex SHA-256 of a token; only hashes are kept in state.
func hashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// hashOTP binds a code to its method id so equal codes hash differently.
func hashOTP(methodID, code string) string {
	return hashToken(methodID + ":" + code)
}
