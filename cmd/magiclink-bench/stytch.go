package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/magiclink/magiclink/auth"
)

// The project the harness's standalone emulators serve and the app signs
// in to outside demo mode. It differs from the demo project, so the
// session stored for it never appears in demo runs.
const (
	benchProjectID = "project-test-6d616769-636c-696e-6b00-62656e636800"
	benchSecret    = "secret-test-magiclink-bench-0123456789abcdef"
	benchEmail     = "bench@example.com"
	// appID is the keyring service the app stores its session under
	// (ui.AppID; the account is storeAccount's).
	appID = "io.github.magiclink.magiclink"
	// sessionMinutes is what the app asks for on every session check
	// (auth.DefaultSessionDuration).
	sessionMinutes = 7 * 24 * 60
)

// emulator is a standalone Stytch emulator process.
type emulator struct {
	base string // http://127.0.0.1:PORT
	p    *proc
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("could not find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startEmulator starts the stytch-emulator binary for the bench project
// with the given latency and state file, and waits until it answers.
func startEmulator(ctx context.Context, t *procTable, d *desktop, bin, name, state, redirect string, latency time.Duration) (*emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := d.logFile(name + ".log")
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "-addr", addr, "-project-id", benchProjectID, "-secret", benchSecret,
		"-latency", latency.String(), "-rate-limit=false", "-state", state, "-redirect-url", redirect)
	cmd.Env, cmd.Dir = d.env, d.runDir
	cmd.Stdout, cmd.Stderr = logf, logf
	p, err := t.start(name, cmd)
	if err != nil {
		return nil, err
	}
	em := &emulator{base: "http://" + addr, p: p}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := em.outbox(ctx, ""); err == nil {
			return em, nil
		} else if p.exited() {
			return nil, p.exitError()
		} else if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s did not answer on %s: %w", name, addr, err)
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// outboxMessage is one email in the emulator's GET /dev/outbox answer.
type outboxMessage struct {
	To   string `json:"to"`
	Link string `json:"link"`
}

// outbox lists the emails sent to addr ("" for all), newest first.
func (em *emulator) outbox(ctx context.Context, addr string) ([]outboxMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, em.base+"/dev/outbox?to="+url.QueryEscape(addr), nil)
	if err != nil {
		return nil, fmt.Errorf("outbox request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("outbox: HTTP %d", resp.StatusCode)
	}
	var msgs []outboxMessage
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return msgs, nil
}

// waitLink waits for a magic link emailed to addr and returns it.
func (em *emulator) waitLink(ctx context.Context, addr string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := em.outbox(ctx, addr)
		if err != nil {
			return "", err
		}
		for _, m := range msgs {
			if m.Link != "" {
				return m.Link, nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no magic link for %s in the emulator's outbox after %v", addr, timeout)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return "", err
		}
	}
}

// openLink follows a magic link as a browser would (the emulator's hosted
// redirect, then the app's loopback listener) and checks the final page.
func openLink(ctx context.Context, link string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return fmt.Errorf("magic link: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("following the magic link: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in") {
		return fmt.Errorf("the app's callback page answered HTTP %d: %.300s", resp.StatusCode, body)
	}
	return nil
}

// roundTrip times one POST /v1/sessions/authenticate of token on a new
// connection, as the app's restore makes it.
func (em *emulator) roundTrip(ctx context.Context, token string) (time.Duration, error) {
	body, _ := json.Marshal(map[string]any{"session_token": token, "session_duration_minutes": sessionMinutes})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, em.base+"/v1/sessions/authenticate", bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("round trip request: %w", err)
	}
	req.SetBasicAuth(benchProjectID, benchSecret)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("sessions/authenticate: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("sessions/authenticate: HTTP %d", resp.StatusCode)
	}
	return d, nil
}

// storeAccount is the keyring account the app keeps the bench project's
// session under when it talks to the API at base: per credential and
// host (auth.Config.StoreAccount).
func storeAccount(base string) string {
	return auth.Config{ProjectID: benchProjectID, Secret: benchSecret, BaseURL: base}.StoreAccount()
}

// storedToken reads the session token the app stored in the private
// keyring for the API at base, the way any Secret Service client would.
func storedToken(ctx context.Context, x xtools, base string) (string, error) {
	account := storeAccount(base)
	out, err := x.run(ctx, "secret-tool", "lookup", "service", appID, "username", account)
	tok := strings.TrimSpace(string(out))
	if err != nil || tok == "" {
		return "", fmt.Errorf("no session for %s in the keyring after signing in: %v", account, err)
	}
	return tok, nil
}

// storeToken stores a session token in the private keyring where the app
// looks for it when it talks to the API at base.
func storeToken(ctx context.Context, x xtools, base, token string) error {
	account := storeAccount(base)
	if _, err := x.runInput(ctx, token, "secret-tool", "store", "--label=magiclink-bench session for "+account,
		"service", appID, "username", account); err != nil {
		return fmt.Errorf("could not store the session for %s in the keyring: %w", account, err)
	}
	return nil
}

// copyFile copies src to dst (mode 0600).
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("could not read %s: %w", src, err)
	}
	if len(b) == 0 {
		return errors.New(src + " is empty")
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		return fmt.Errorf("could not write %s: %w", dst, err)
	}
	return nil
}
