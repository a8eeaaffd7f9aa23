//go:build sdkjs

package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/internal/logbuf"
)

// sdkjsFix is how to get what TestOfficialBrowserSDK needs.
const sdkjsFix = "run `make sdkjs-deps` (npm ci in auth/emulator/testdata/sdkjs), or `make sdkjs`, which does it first"

// sdkjsMinNode is the oldest Node.js the pinned packages support (jsdom 29).
var sdkjsMinNode = [3]int{20, 19, 0}

// TestOfficialBrowserSDK runs Stytch's official browser SDK,
// @stytch/vanilla-js, unchanged, under Node.js with a jsdom window, against
// the emulator served over HTTPS with its generated certificate: bootstrap,
// magic link with PKCE, session, user, revoke, email OTP, and the errors the
// SDK sees. See testdata/sdkjs/official-sdk.mjs. Run it with `make sdkjs`.
func TestOfficialBrowserSDK(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "sdkjs"))
	if err != nil {
		t.Fatal(err)
	}
	node := sdkjsNode(t)
	sdkjsCheckModules(t, dir)

	logs := &logbuf.Buffer{}
	srv, err := NewServer(Config{
		SigningKey: testKey,
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LogLinks:   true,
		SDK: &SDKSettings{
			AppIDs:       []string{DefaultSDKAppID},
			Domains:      []string{"localhost", "127.0.0.1"},
			PKCERequired: true,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartTLS("127.0.0.1:0", ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "official-sdk.mjs")
	cmd.Dir = dir
	cmd.Env = append(sdkjsEnviron(),
		"STYTCH_EMULATOR_URL="+srv.BaseURL(),
		"STYTCH_PUBLIC_TOKEN="+srv.Emulator().PublicToken(),
		"SDKJS_PKCE_REQUIRED="+boolEnv(srv.Emulator().SDKSettings().PKCERequired),
		"NODE_EXTRA_CA_CERTS="+srv.CertFile(),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start).Round(10 * time.Millisecond)
	if err != nil {
		t.Fatalf("node official-sdk.mjs against %s failed after %s (%v):\n%s\nemulator log:\n%s",
			srv.BaseURL(), elapsed, err, out.String(), logs.String())
	}
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed$`).Match(out.Bytes()) {
		t.Fatalf("node official-sdk.mjs exited 0 without its closing \"N passed, 0 failed\" line:\n%s", out.String())
	}
	t.Logf("node official-sdk.mjs (%s):\n%s", elapsed, out.String())
}

// sdkjsNode returns the node command, failing when it is missing or too old.
func sdkjsNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("Node.js (node) is not installed: it runs Stytch's browser SDK. Install Node.js %d.%d or newer with npm "+
			"(scripts/install-deps.sh test), then %s", sdkjsMinNode[0], sdkjsMinNode[1], sdkjsFix)
	}
	v, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", node, err)
	}
	got, ok := parseNodeVersion(strings.TrimSpace(string(v)))
	if !ok {
		t.Fatalf("%s --version printed %q, not a version", node, v)
	}
	for i := range got {
		if got[i] != sdkjsMinNode[i] {
			if got[i] < sdkjsMinNode[i] {
				t.Fatalf("%s is Node.js %s; the pinned jsdom needs %d.%d or newer", node,
					strings.TrimSpace(string(v)), sdkjsMinNode[0], sdkjsMinNode[1])
			}
			break
		}
	}
	return node
}

func parseNodeVersion(s string) ([3]int, bool) {
	var v [3]int
	parts := strings.SplitN(strings.TrimPrefix(s, "v"), ".", 3)
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.SplitN(p, "-", 2)[0])
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// sdkjsCheckModules fails when node_modules is missing or older than
// package-lock.json (npm ci writes node_modules/.package-lock.json).
func sdkjsCheckModules(t *testing.T, dir string) {
	t.Helper()
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s/node_modules is missing: %s", dir, sdkjsFix)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package-lock.json", "package.json"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.ModTime().After(installed.ModTime()) {
			t.Fatalf("%s/node_modules is older than %s: %s", dir, f, sdkjsFix)
		}
	}
	for _, pkg := range []string{"@stytch/vanilla-js", "jsdom"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s/node_modules lacks %s: %s", dir, pkg, sdkjsFix)
		}
	}
}

// sdkjsEnviron is the environment for node without settings that would
// weaken or change what is tested (TLS verification off, preloaded code,
// another certificate).
func sdkjsEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "NODE_TLS_REJECT_UNAUTHORIZED", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "NODE_PATH",
			"STYTCH_EMULATOR_URL", "STYTCH_PUBLIC_TOKEN", "SDKJS_PKCE_REQUIRED":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func boolEnv(b bool) string {
	return fmt.Sprint(map[bool]int{false: 0, true: 1}[b])
}
