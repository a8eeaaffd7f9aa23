package main

import (
	"bytes"
	"strings"
	"testing"
)

// A bad flag prints its error once and a short hint, not the full usage.
func TestBadFlagPrintsOneErrorAndAHint(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "magiclink: flag provided but not defined: -nope\nRun 'magiclink --help' to see the flags.\n"},
		{[]string{"--session-duration", "week"}, "magiclink: invalid value \"week\" for flag -session-duration: parse error\nRun 'magiclink --help' to see the flags.\n"},
		{[]string{"stray"}, "magiclink: unexpected argument \"stray\" (flags start with --; the only argument is a magiclink:// link)\nRun 'magiclink --help' to see the flags.\n"},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", c.args, code)
		}
		if errb.String() != c.want || out.Len() != 0 {
			t.Errorf("%v: stderr %q, want %q", c.args, errb.String(), c.want)
		}
	}
	// --help prints the usage, once.
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, &out, &errb); code != 0 || strings.Count(errb.String(), "Usage: magiclink") != 1 || !strings.Contains(errb.String(), "-base-url") {
		t.Errorf("--help: %d %q", code, errb.String())
	}
}
