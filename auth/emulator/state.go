package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

const stateVersion = 1

// stateFile is the JSON layout of Config.StatePath. Tokens and codes appear
// only as SHA-256 hashes.
type stateFile struct {
	Version    int          `json:"version"`
	ProjectID  string       `json:"project_id"`
	SigningKey *stateKey    `json:"signing_key"`
	Users      []*user      `json:"users"`
	Sessions   []*session   `json:"sessions"`
	MagicLinks []*magicLink `json:"magic_links"`
	OTPs       []*otpCode   `json:"otps"`
}

type stateKey struct {
	Kid        string `json:"kid"`
	PrivatePEM string `json:"private_key_pem"`
}

// loadState reads Config.StatePath, if it exists, into e. Called by New
// before e is shared.
func (e *Emulator) loadState() error {
	data, err := os.ReadFile(e.statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: read state file: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("emulator: parse state file %s: %w", e.statePath, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("emulator: state file %s has version %d, want %d", e.statePath, st.Version, stateVersion)
	}
	if st.ProjectID != e.projectID {
		return fmt.Errorf("emulator: state file %s belongs to project %q, not %q", e.statePath, st.ProjectID, e.projectID)
	}
	if st.SigningKey != nil {
		k, err := parseSigningKeyPEM(st.SigningKey.Kid, st.SigningKey.PrivatePEM)
		if err != nil {
			return fmt.Errorf("%w (in %s)", err, e.statePath)
		}
		e.key = k
	}
	for _, u := range st.Users {
		if u == nil || u.ID == "" {
			continue
		}
		e.users[u.ID] = u
		e.byEmail[u.Email] = u.ID
	}
	for _, s := range st.Sessions {
		if s == nil || s.ID == "" {
			continue
		}
		e.sessions[s.ID] = s
		e.byToken[s.TokenHash] = s.ID
	}
	for _, l := range st.MagicLinks {
		if l != nil && l.TokenHash != "" {
			e.links[l.TokenHash] = l
		}
	}
	for _, o := range st.OTPs {
		if o != nil && o.MethodID != "" {
			e.otps[o.MethodID] = o
		}
	}
	return nil
}

// SaveState writes the state file now (atomically, mode 0600). It is a
// no-op without Config.StatePath. The emulator also saves after every
// change and Server.Close saves at shutdown.
func (e *Emulator) SaveState() error {
	if e.statePath == "" {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	data, err := e.marshalState()
	if err != nil {
		return err
	}
	return writeFileAtomic(e.statePath, data)
}

// persist saves state after a change, logging (not returning) failures.
func (e *Emulator) persist() {
	if err := e.SaveState(); err != nil {
		e.log.Warn("emulator: could not save state", "error", err)
	}
}

func (e *Emulator) marshalState() ([]byte, error) {
	key, err := e.signingKey()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	pemKey, err := key.marshalPEM()
	if err != nil {
		return nil, err
	}
	st := stateFile{
		Version:    stateVersion,
		ProjectID:  e.projectID,
		SigningKey: &stateKey{Kid: key.kid, PrivatePEM: pemKey},
		Users:      make([]*user, 0, len(e.users)),
		Sessions:   make([]*session, 0, len(e.sessions)),
		MagicLinks: make([]*magicLink, 0, len(e.links)),
		OTPs:       make([]*otpCode, 0, len(e.otps)),
	}
	for _, u := range e.users {
		st.Users = append(st.Users, u)
	}
	for _, s := range e.sessions {
		st.Sessions = append(st.Sessions, s)
	}
	for _, l := range e.links {
		st.MagicLinks = append(st.MagicLinks, l)
	}
	for _, o := range e.otps {
		st.OTPs = append(st.OTPs, o)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("emulator: encode state: %w", err)
	}
	return data, nil
}

// writeFileAtomic writes data to a temporary file beside path (mode 0600)
// and renames it over path, so readers never see a partial file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("emulator: create state directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("emulator: create temporary state file: %w", err)
	}
	tmpName := tmp.Name()
	defer func() { _ = os.Remove(tmpName) }() // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("emulator: chmod state file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("emulator: write state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("emulator: sync state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("emulator: close state file: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("emulator: replace state file: %w", err)
	}
	return nil
}

// touchUser, touchSession, touchLink and touchOTP record that a record
// changed or was deleted. Callers must hold e.mu.
func (e *Emulator) touchUser(string)    {}
func (e *Emulator) touchSession(string) {}
func (e *Emulator) touchLink(string)    {}
func (e *Emulator) touchOTP(string)     {}
