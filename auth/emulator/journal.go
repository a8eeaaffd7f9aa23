package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// The journal is the tail of the state file (Config.StatePath): after the
// snapshot, one JSON line per changed record with the record's whole new
// value, or null once it was deleted. Replaying the lines in order over the
// snapshot gives the current state. Snapshot and journal being one file,
// a compaction replaces both at once (temp file + rename), and a copy of
// the file is a copy of the whole state. Tokens and codes appear only as
// SHA-256 hashes, as in the snapshot.

// Record kinds.
const (
	kindUser    = "user"
	kindSession = "session"
	kindLink    = "magic_link"
	kindOTP     = "otp"
)

// journalKey names one record: its kind and its key in the emulator's maps
// (user id, session id, link token hash, OTP method id).
type journalKey struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// journalRecord is one line after the header.
type journalRecord struct {
	journalKey
	Value json.RawMessage `json:"value"`
}

// touch records that the record k changed or was deleted, for the next
// persist. Callers must hold e.mu.
func (e *Emulator) touch(kind, id string) {
	if e.statePath == "" {
		return
	}
	if e.dirty == nil {
		e.dirty = map[journalKey]struct{}{}
	}
	e.dirty[journalKey{kind, id}] = struct{}{}
}

func (e *Emulator) touchUser(id string)    { e.touch(kindUser, id) }
func (e *Emulator) touchSession(id string) { e.touch(kindSession, id) }
func (e *Emulator) touchLink(hash string)  { e.touch(kindLink, hash) }
func (e *Emulator) touchOTP(id string)     { e.touch(kindOTP, id) }

// record returns the current value of the record k, or nil when it does
// not exist (any more). Callers must hold e.mu.
func (e *Emulator) record(k journalKey) any {
	switch k.Kind {
	case kindUser:
		return present(e.users, k.ID)
	case kindSession:
		return present(e.sessions, k.ID)
	case kindLink:
		return present(e.links, k.ID)
	case kindOTP:
		return present(e.otps, k.ID)
	}
	return nil
}

// present returns m[id] as an interface value that is nil (encoding as
// null) when there is no such record.
func present[T any](m map[string]*T, id string) any {
	if v := m[id]; v != nil {
		return v
	}
	return nil
}

// takeJournalLocked encodes the recorded changes as journal lines and
// forgets them. Callers must hold e.mu.
func (e *Emulator) takeJournalLocked() ([]byte, error) {
	var buf bytes.Buffer
	for k := range e.dirty {
		value, err := json.Marshal(e.record(k))
		if err != nil {
			return nil, fmt.Errorf("emulator: encode state change: %w", err)
		}
		line, err := json.Marshal(journalRecord{journalKey: k, Value: value})
		if err != nil {
			return nil, fmt.Errorf("emulator: encode state change: %w", err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	clear(e.dirty)
	return buf.Bytes(), nil
}

// appendSync appends data to the existing file at path and fsyncs it.
func appendSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("emulator: open state journal: %w", err)
	}
	return writeSyncClose(f, data, "state journal")
}

// replayJournal applies the journal (the state file after its snapshot) to
// the state just loaded from the snapshot. A last line cut short (a crash
// while appending, before the change was acknowledged) is ignored; any
// other bad line is an error. Called by New before e is shared.
func (e *Emulator) replayJournal(journal []byte) error {
	lines := bytes.Split(journal, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r journalRecord
		err := json.Unmarshal(line, &r)
		if err == nil {
			err = e.applyRecord(r)
		}
		if err != nil {
			if i == len(lines)-1 {
				break // no newline yet: cut short by a crash
			}
			return fmt.Errorf("emulator: state file %s: journal entry %d: %v", e.statePath, i+1, err)
		}
	}
	return nil
}

// applyRecord sets or deletes one record during replay.
func (e *Emulator) applyRecord(r journalRecord) error {
	null := bytes.Equal(bytes.TrimSpace(r.Value), []byte("null"))
	switch r.Kind {
	case kindUser:
		return replayInto(e.users, e.byEmail, func(u *user) string { return u.Email }, r, null)
	case kindSession:
		return replayInto(e.sessions, e.byToken, func(s *session) string { return s.TokenHash }, r, null)
	case kindLink:
		return replayInto[magicLink](e.links, nil, nil, r, null)
	case kindOTP:
		return replayInto[otpCode](e.otps, nil, nil, r, null)
	}
	return fmt.Errorf("unknown record kind %q", r.Kind)
}

// replayInto sets or deletes the record r of m, keeping the index of m
// (when not nil, by indexKey) in step.
func replayInto[T any](m map[string]*T, index map[string]string, indexKey func(*T) string, r journalRecord, null bool) error {
	if old := m[r.ID]; old != nil {
		if index != nil {
			delete(index, indexKey(old))
		}
		delete(m, r.ID)
	}
	if null {
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(r.Value, v); err != nil {
		return err
	}
	m[r.ID] = v
	if index != nil {
		index[indexKey(v)] = r.ID
	}
	return nil
}
