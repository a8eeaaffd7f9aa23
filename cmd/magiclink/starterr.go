package main

import (
	"bytes"
	"strings"
	"sync"
)

// startErrorTitle is the title of the message box a Windows program that
// could not start shows.
const startErrorTitle = "Magiclink could not start"

// startErrors keeps the error lines run writes to standard error — those
// it prints as "magiclink: …", not its log lines or warnings — for a
// program whose standard error nobody sees. It never fails a write, so it
// can go first in an io.MultiWriter.
type startErrors struct {
	mu    sync.Mutex
	lines []string
	part  bytes.Buffer
}

func (s *startErrors) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.part.Write(p)
	for {
		line, err := s.part.ReadString('\n')
		if err != nil {
			s.part.WriteString(line) // incomplete: keep for the next write
			break
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "magiclink: warning: "):
		case strings.HasPrefix(line, "magiclink: "):
			s.lines = append(s.lines, strings.TrimPrefix(line, "magiclink: "))
		case len(s.lines) > 0 && !strings.HasPrefix(line, "time="):
			s.lines = append(s.lines, line) // a hint under an error
		}
		if len(s.lines) > 20 {
			s.lines = s.lines[len(s.lines)-20:]
		}
	}
	return len(p), nil
}

// String is the error text, with a pointer to the log when there is none.
func (s *startErrors) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lines) == 0 {
		return "Magiclink stopped before its window opened. Its log may say why."
	}
	return strings.Join(s.lines, "\n")
}
