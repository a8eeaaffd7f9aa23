package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
)

// logSink is where the app's log lines go: standard error, and once this
// process is the running instance, a log file where the platform expects
// one (Windows and macOS, whose apps are started from a launcher that
// keeps no output). A failed write to one does not stop the other: a
// GUI program started from Explorer has no standard error at all.
type logSink struct {
	mu     sync.Mutex
	stderr io.Writer
	file   *os.File
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.stderr.Write(p)
	if s.file != nil {
		_, _ = s.file.Write(p)
	}
	return len(p), nil
}

// openFile starts writing to path as well, keeping the previous run's
// file beside it as <name>.1.log. It returns the path, or "" when there
// is no log file on this platform.
func (s *logSink) openFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("could not create the log folder: %w", err)
	}
	old := path[:len(path)-len(filepath.Ext(path))] + ".1.log"
	// A file kept open by another program (an editor, on Windows) cannot
	// be renamed; the new run then appends to it.
	_ = os.Rename(path, old)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", fmt.Errorf("could not open the log file: %w", err)
	}
	s.mu.Lock()
	s.file = f
	s.mu.Unlock()
	return path, nil
}

// dropStderr stops writing to standard error: the terminal it led to was
// let go of.
func (s *logSink) dropStderr() {
	s.mu.Lock()
	s.stderr = io.Discard
	s.mu.Unlock()
}

// crashOutput makes the runtime write a crash's report to the log file
// as well as to standard error.
func (s *logSink) crashOutput() {
	s.mu.Lock()
	f := s.file
	s.mu.Unlock()
	if f != nil {
		_ = debug.SetCrashOutput(f, debug.CrashOptions{})
	}
}

// Close stops writing to the log file.
func (s *logSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// logFilePath is where the log file of the platform lives, or "" where
// the app keeps none (Linux and the BSDs: launchers hand standard error
// to the journal or the session log).
//
//	Windows  %LOCALAPPDATA%\Magiclink\logs\magiclink.log
//	macOS    ~/Library/Logs/Magiclink/magiclink.log
func logFilePath(goos string, getenv func(string) string) string {
	switch goos {
	case "windows":
		base := getenv("LOCALAPPDATA")
		if base == "" {
			return ""
		}
		return filepath.Join(base, "Magiclink", "logs", "magiclink.log")
	case "darwin":
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		return filepath.Join(home, "Library", "Logs", "Magiclink", "magiclink.log")
	}
	return ""
}

// platformLogFile is logFilePath for this system.
func platformLogFile() string { return logFilePath(runtime.GOOS, os.Getenv) }
