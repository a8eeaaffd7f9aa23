package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/magiclink/magiclink/auth/emulator"
)

// lockedBuffer is a goroutine-safe writer.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-latency", "soon"},
		{"-latency", "-1s"},
		{"-addr", "0.0.0.0:9010"},
		{"-addr", ":9010"},
		{"-addr", "example.com:9010"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: no message", args)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-redirect-url") {
		t.Errorf("-h: exit %d, %s", code, stderr.String())
	}
}

func TestLoopbackCheck(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:9010": true, "localhost:1": true, "[::1]:9010": true, "127.1.2.3:0": true,
		"0.0.0.0:9010": false, ":9010": false, "[::]:1": false, "192.168.1.2:80": false, "nonsense": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v", addr, got)
		}
	}
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	state := filepath.Join(t.TempDir(), "state.json")
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"-addr", "127.0.0.1:0", "-rate-limit=false", "-state", state,
			"-redirect-url", "http://127.0.0.1:7777/cb", "-redirect-url", "http://127.0.0.1:7778/cb"}, &stdout, &stderr)
	}()

	base := regexp.MustCompile(`base URL:\s+(http://\S+)`)
	secretRe := regexp.MustCompile(`secret:\s+(secret-test-\S+)`)
	var baseURL, secret string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out := stdout.String()
		if m := base.FindStringSubmatch(out); m != nil && strings.Contains(out, "inbox:") {
			baseURL = m[1]
			if s := secretRe.FindStringSubmatch(out); s != nil {
				secret = s[1]
			}
			break
		}
	}
	if baseURL == "" || secret == "" {
		t.Fatalf("no start banner: %q / %q", stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), baseURL+"/dev/inbox") || !strings.Contains(stdout.String(), emulator.DefaultProjectID) {
		t.Fatalf("banner lacks inbox URL or project id: %s", stdout.String())
	}

	client, err := stytchapi.NewClient(emulator.DefaultProjectID, secret, stytchapi.WithBaseURI(baseURL), stytchapi.WithInitializationContext(ctx))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if _, err := client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email: "tester@example.com", LoginMagicLinkURL: "http://127.0.0.1:7778/cb",
	}); err != nil {
		t.Fatalf("LoginOrCreate: %v", err)
	}
	// The standalone command logs links, so a tester can copy them.
	if !strings.Contains(stderr.String(), "magic_links/redirect") {
		t.Fatalf("link not logged: %s", stderr.String())
	}
	if strings.Contains(stderr.String(), secret) {
		t.Fatal("secret logged")
	}
	resp, err := http.Get(baseURL + "/dev/inbox")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("inbox: %v %v", err, resp)
	}
	resp.Body.Close()

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
	if _, err := http.Get(baseURL + "/dev/inbox"); err == nil {
		t.Fatal("still serving after stop")
	}
}

func TestGivenSecretIsNotPrinted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"-addr", "127.0.0.1:0", "-secret", "secret-test-mine"}, &stdout, &stderr)
	}()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !strings.Contains(stdout.String(), "inbox:"); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if strings.Contains(stdout.String()+stderr.String(), "secret-test-mine") || !strings.Contains(stdout.String(), "as given by -secret") {
		t.Fatalf("output: %s %s", stdout.String(), stderr.String())
	}
}

func TestBusyPort(t *testing.T) {
	srv, err := emulator.NewServer(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := strings.TrimPrefix(srv.BaseURL(), "http://")
	var stdout, stderr bytes.Buffer
	if code := runContext(context.Background(), []string{"-addr", addr}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), addr) {
		t.Fatalf("busy port: exit %d, %s", code, stderr.String())
	}
}
