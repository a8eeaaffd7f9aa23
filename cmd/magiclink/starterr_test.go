package main

import (
	"fmt"
	"io"
	"testing"
)

// Only the errors run prints reach the message box: not log lines, not
// warnings; a hint printed under an error stays with it, and writes split
// mid-line are joined.
func TestStartErrorsKeepsWhatTheUserMustRead(t *testing.T) {
	s := &startErrors{}
	w := io.MultiWriter(s, io.Discard)
	fmt.Fprintln(w, "magiclink: warning: STYTCH_SECRET is set but not used")
	fmt.Fprintln(w, `time=2026-12-03T12:00:00Z level=INFO msg="state changed"`)
	fmt.Fprint(w, "magiclink: --env-file C:\\x.env: no ")
	fmt.Fprint(w, "such file\nRun 'magiclink --help' to see the flags.\n")
	fmt.Fprintln(w, `time=2026-12-03T12:00:01Z level=WARN msg="x"`)
	want := "--env-file C:\\x.env: no such file\nRun 'magiclink --help' to see the flags."
	if got := s.String(); got != want {
		t.Fatalf("message box text %q, want %q", got, want)
	}
	if got := (&startErrors{}).String(); got == "" {
		t.Fatal("no text when nothing was printed")
	}
}
