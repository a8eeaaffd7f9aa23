package emulator

import (
	"bytes"
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
	// The file is a snapshot (one JSON object) followed by the journal of
	// the changes made since it was written (one JSON line per change).
	var st stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&st); err != nil {
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
	return e.replayJournal(data[dec.InputOffset():])
}

// SaveState rewrites the state file now as a snapshot of the whole state
// (atomically, mode 0600), folding its journal in. It is a no-op without
// Config.StatePath. The emulator also journals every change as it is made
// (see persist), and Server.Close saves at shutdown.
func (e *Emulator) SaveState() error {
	if e.statePath == "" {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	return e.compactLocked()
}

// compactLocked replaces the state file, atomically, by a snapshot of the
// whole state with an empty journal. Callers must hold e.saveMu.
func (e *Emulator) compactLocked() error {
	data, err := e.marshalState()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(e.statePath, append(data, '\n')); err != nil {
		e.journalOK = false // the changes just folded in are only in memory
		return err
	}
	e.journalOK = true
	e.snapshotBytes, e.journalBytes = int64(len(data)), 0
	return nil
}

// persist makes the changes recorded since the last call durable before
// the request that made them is answered: it appends one journal line per
// changed record (its whole new value, or null once deleted) to the state
// file and fsyncs it, so a change costs O(changed data), not O(state). The
// first change after a start that wrote no snapshot, and any change that
// finds the journal compactFactor times larger than the snapshot, rewrites
// the file as a new snapshot instead.
// Failures are logged, not returned, as the state file is a convenience.
func (e *Emulator) persist() {
	if e.statePath == "" {
		return
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	if err := e.persistLocked(); err != nil {
		e.log.Warn("emulator: could not save state", "error", err)
	}
}

// compactFactor and compactMinBytes decide when the journal is folded into
// a new snapshot: once it is compactFactor times the snapshot's size and
// at least compactMinBytes long. Writing a snapshot then costs about as
// much as the last compactFactor snapshots' worth of changes did, so the
// cost per change stays flat on average.
var (
	compactFactor   int64 = 4
	compactMinBytes int64 = 256 << 10
)

// persistLocked is persist. Callers must hold e.saveMu.
func (e *Emulator) persistLocked() error {
	if !e.journalOK {
		return e.compactLocked()
	}
	e.mu.Lock()
	lines, err := e.takeJournalLocked()
	e.mu.Unlock()
	if err != nil {
		e.journalOK = false // the next change writes a snapshot instead
		return err
	}
	if len(lines) == 0 {
		return nil
	}
	if err := appendSync(e.statePath, lines); err != nil {
		// The journal may now end in a partial line: start over from a
		// snapshot, which holds everything.
		e.journalOK = false
		return errors.Join(err, e.compactLocked())
	}
	e.journalBytes += int64(len(lines))
	if e.journalBytes >= compactFactor*e.snapshotBytes && e.journalBytes >= compactMinBytes {
		return e.compactLocked()
	}
	return nil
}

// marshalState encodes the whole state as a snapshot. The changes recorded
// for the journal are in it, so they are dropped.
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
	clear(e.dirty)
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
	if err := writeSyncClose(tmp, data, "state file"); err != nil {
		return err
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("emulator: replace state file: %w", err)
	}
	return nil
}

// writeSyncClose writes data to f, fsyncs and closes it; what names the
// file in errors.
func writeSyncClose(f *os.File, data []byte, what string) error {
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("emulator: write %s: %w", what, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("emulator: sync %s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("emulator: close %s: %w", what, err)
	}
	return nil
}
