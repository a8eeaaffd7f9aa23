package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// ErrNoToken is returned by TokenStore.Get when no session is stored.
var ErrNoToken = errors.New("no stored session")

// TokenStore keeps the Stytch session token between runs. Implementations
// must be safe for concurrent use.
type TokenStore interface {
	// Get returns the stored token, or ErrNoToken.
	Get(ctx context.Context) (string, error)
	// Set stores token, replacing any previous one.
	Set(ctx context.Context, token string) error
	// Delete removes the stored token; removing nothing is not an error.
	Delete(ctx context.Context) error
}

// KeyringStore stores the token in the operating system's keyring
// (Secret Service on Linux, Keychain on macOS, Credential Manager on
// Windows) under service Service and account Account. Each call runs in
// its own goroutine and gives up after Timeout, because a locked keyring
// can block its caller indefinitely waiting for a password prompt.
type KeyringStore struct {
	// Service is the keyring service name; use the app id.
	Service string
	// Account is the keyring account; use Config.StoreAccount (the
	// credential and the API that issued the session), so a token is only
	// ever sent back to the API that created it.
	Account string
	// Timeout bounds each call. Default DefaultKeyringTimeout.
	Timeout time.Duration
}

var _ TokenStore = (*KeyringStore)(nil)

// KeyringError is a failure of the keyring itself (unavailable, locked,
// timed out), as opposed to "no token stored".
type KeyringError struct {
	Op  string
	Err error
}

func (e *KeyringError) Error() string {
	return fmt.Sprintf("keyring %s failed: %v", e.Op, e.Err)
}

func (e *KeyringError) Unwrap() error { return e.Err }

// ErrKeyringTimeout is the cause of a KeyringError when the keyring did
// not answer in time.
var ErrKeyringTimeout = errors.New("the keyring did not answer in time")

func (s *KeyringStore) do(ctx context.Context, op string, f func() (string, error)) (string, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	type result struct {
		v   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if errors.Is(r.err, keyring.ErrNotFound) {
			return "", ErrNoToken
		}
		if r.err != nil {
			return "", &KeyringError{Op: op, Err: r.err}
		}
		return r.v, nil
	case <-t.C:
		return "", &KeyringError{Op: op, Err: ErrKeyringTimeout}
	case <-ctx.Done():
		return "", &KeyringError{Op: op, Err: ctx.Err()}
	}
}

// Get implements TokenStore.
func (s *KeyringStore) Get(ctx context.Context) (string, error) {
	return s.do(ctx, "read", func() (string, error) { return keyring.Get(s.Service, s.Account) })
}

// MaxSecretBytes is the most one keyring entry holds: Windows' Credential
// Manager takes at most 2560 bytes a credential. KeyringStore keeps to it
// on every system, so what works on Linux works on Windows too.
const MaxSecretBytes = 2560

// ErrSecretTooLarge is the cause of a KeyringError for a value over
// MaxSecretBytes.
var ErrSecretTooLarge = fmt.Errorf("the value is larger than the %d bytes a keyring entry holds on Windows", MaxSecretBytes)

// Set implements TokenStore.
func (s *KeyringStore) Set(ctx context.Context, token string) error {
	if len(token) > MaxSecretBytes {
		return &KeyringError{Op: "write", Err: fmt.Errorf("%w (%d bytes)", ErrSecretTooLarge, len(token))}
	}
	_, err := s.do(ctx, "write", func() (string, error) { return "", keyring.Set(s.Service, s.Account, token) })
	return err
}

// Delete implements TokenStore.
func (s *KeyringStore) Delete(ctx context.Context) error {
	_, err := s.do(ctx, "delete", func() (string, error) { return "", keyring.Delete(s.Service, s.Account) })
	if errors.Is(err, ErrNoToken) {
		return nil
	}
	return err
}

// MemoryStore keeps the token in memory only. The engine falls back to it
// when the keyring does not work, so sign-in still works for this run.
type MemoryStore struct {
	mu    sync.Mutex
	token string
}

var _ TokenStore = (*MemoryStore)(nil)

// Get implements TokenStore.
func (m *MemoryStore) Get(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.token == "" {
		return "", ErrNoToken
	}
	return m.token, nil
}

// Set implements TokenStore.
func (m *MemoryStore) Set(_ context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = token
	return nil
}

// Delete implements TokenStore.
func (m *MemoryStore) Delete(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = ""
	return nil
}
