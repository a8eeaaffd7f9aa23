package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/magiclink/magiclink/auth/instance"
	"github.com/magiclink/magiclink/auth/launch"
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

// --reset never runs beside the app: the running one owns the keyring
// entry and, in demo mode, the emulator's state.
func TestResetRefusesWhileTheAppRuns(t *testing.T) {
	dir, err := os.MkdirTemp("", "mlreset")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("MAGICLINK_ENV_FILE", "")
	t.Setenv("STYTCH_PUBLIC_TOKEN", "")
	t.Setenv("STYTCH_PROJECT_ID", "")
	t.Chdir(t.TempDir()) // no .env
	s, err := launch.Parse("magiclink", []string{"--demo"}, os.Getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := instance.Acquire(instance.Options{Key: instance.KeyFor(s.StoreAccount())})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	var out, errb bytes.Buffer
	if code := run([]string{"--demo", "--reset"}, &out, &errb); code != exitRunning || !strings.Contains(errb.String(), "Magiclink is running for this Stytch project") || out.Len() != 0 {
		t.Fatalf("--reset beside the app: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
