package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

const (
	rsaKeyBits   = 2048
	sessionClaim = "https://stytch.com/session"
)

// signingKey is the RSA key that signs session JWTs, with its JWKS kid.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func generateSigningKey(kid string) (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		return nil, fmt.Errorf("emulator: generate JWT signing key: %w", err)
	}
	return &signingKey{kid: kid, priv: priv}, nil
}

func newSigningKeyFrom(priv *rsa.PrivateKey, kid string) (*signingKey, error) {
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("emulator: invalid JWT signing key: %w", err)
	}
	if priv.N.BitLen() < rsaKeyBits {
		return nil, fmt.Errorf("emulator: JWT signing key has %d bits, want at least %d", priv.N.BitLen(), rsaKeyBits)
	}
	return &signingKey{kid: kid, priv: priv}, nil
}

// marshalPEM encodes the private key as PKCS #8 PEM.
func (k *signingKey) marshalPEM() (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return "", fmt.Errorf("emulator: encode JWT signing key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

func parseSigningKeyPEM(kid, s string) (*signingKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("emulator: state file: signing key is not PEM")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("emulator: state file: parse signing key: %w", err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("emulator: state file: signing key is not RSA")
	}
	if kid == "" {
		return nil, errors.New("emulator: state file: signing key has no kid")
	}
	return newSigningKeyFrom(priv, kid)
}

// jwk is one JSON Web Key as Stytch publishes it.
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	N      string   `json:"n"`
	E      string   `json:"e"`
}

func (k *signingKey) jwk() jwk {
	pub := k.priv.PublicKey
	return jwk{
		Kty:    "RSA",
		Use:    "sig",
		KeyOps: []string{"verify"},
		Alg:    "RS256",
		Kid:    k.kid,
		N:      base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:      base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// jwtSessionClaim is the "https://stytch.com/session" claim.
type jwtSessionClaim struct {
	ID                    string       `json:"id"`
	StartedAt             string       `json:"started_at"`
	LastAccessedAt        string       `json:"last_accessed_at"`
	ExpiresAt             string       `json:"expires_at"`
	Attributes            attributes   `json:"attributes"`
	AuthenticationFactors []wireFactor `json:"authentication_factors"`
	Roles                 []string     `json:"roles"`
}

// issueJWT signs a 5-minute session JWT for s. Callers must hold e.mu.
func (e *Emulator) issueJWT(s *session) (string, error) {
	now := e.now()
	claims := jwt.MapClaims{}
	for k, v := range s.CustomClaims {
		claims[k] = v
	}
	claims["iss"] = "stytch.com/" + e.projectID
	claims["aud"] = []string{e.projectID}
	claims["sub"] = s.UserID
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(jwtLifetime).Unix()
	claims[sessionClaim] = jwtSessionClaim{
		ID:                    s.ID,
		StartedAt:             rfc3339(s.StartedAt),
		LastAccessedAt:        rfc3339(s.LastAccessedAt),
		ExpiresAt:             rfc3339(s.ExpiresAt),
		Attributes:            s.Attributes,
		AuthenticationFactors: s.wireFactors(),
		Roles:                 []string{defaultRoleStytchUser},
	}
	key, err := e.signingKey()
	if err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = key.kid
	signed, err := tok.SignedString(key.priv)
	if err != nil {
		return "", fmt.Errorf("emulator: sign session JWT: %w", err)
	}
	return signed, nil
}

// sessionIDFromJWT verifies raw's signature, issuer and audience, ignoring
// its expiry (an expired JWT of a live session may be refreshed), and
// returns the session id it names. Callers must hold e.mu.
func (e *Emulator) sessionIDFromJWT(raw string) (string, *apiError) {
	if strings.Count(raw, ".") != 2 {
		return "", errUnparsableJWT()
	}
	key, kerr := e.signingKey()
	if kerr != nil {
		return "", newAPIError(http.StatusInternalServerError, "internal_server_error", "The signing key is unavailable.")
	}
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid != key.kid {
			return nil, errors.New("unknown kid")
		}
		return &key.priv.PublicKey, nil
	})
	if err != nil {
		if errors.Is(err, jwt.ErrTokenMalformed) {
			return "", errUnparsableJWT()
		}
		return "", errSessionNotFound()
	}
	if iss, _ := claims["iss"].(string); iss != "stytch.com/"+e.projectID {
		return "", errSessionNotFound()
	}
	aud, err := claims.GetAudience()
	if err != nil || !slices.Contains([]string(aud), e.projectID) {
		return "", errSessionNotFound()
	}
	sc, _ := claims[sessionClaim].(map[string]any)
	id, _ := sc["id"].(string)
	if id == "" {
		return "", errSessionNotFound()
	}
	return id, nil
}

func errUnparsableJWT() *apiError {
	return newAPIError(http.StatusBadRequest, "unable_to_parse_session_jwt", "The session_jwt could not be parsed.")
}
