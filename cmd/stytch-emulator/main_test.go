package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
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

// runInBackground runs the command with args until cancel is called; its
// exit code then arrives on done.
func runInBackground(args ...string) (stdout, stderr *lockedBuffer, cancel context.CancelFunc, done chan int) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr, done = &lockedBuffer{}, &lockedBuffer{}, make(chan int, 1)
	go func() { done <- runContext(ctx, args, stdout, stderr) }()
	return stdout, stderr, cancel, done
}

func TestRunServesAndStops(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	stdout, stderr, cancel, done := runInBackground("-addr", "127.0.0.1:0", "-rate-limit=false", "-state", state,
		"-redirect-url", "http://127.0.0.1:7777/cb", "-redirect-url", "http://127.0.0.1:7778/cb")
	defer cancel()
	ctx, stopClient := context.WithCancel(context.Background())
	defer stopClient() // stops the SDK client's background JWKS refresher

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

func TestSDKFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	def := emulator.DefaultSDKSettings()
	if o.publicToken != emulator.DefaultPublicToken || strings.Join(o.sdk.AppIDs, ",") != emulator.DefaultSDKAppID ||
		strings.Join(o.sdk.Domains, ",") != strings.Join(def.Domains, ",") || len(o.sdk.Disabled) != 0 ||
		!o.sdk.PKCERequired || o.sdk.Captcha || o.sdk.DFP || o.useTLS || o.tlsCert != "" {
		t.Fatalf("defaults: %+v", o)
	}
	o, err = parseFlags([]string{
		"-public-token", "public-token-test-mine", "-sdk-app-id", "com.example.a", "-sdk-app-id", "com.example.b",
		"-sdk-domain", "localhost:5173", "-sdk-disable", "magic_links", "-sdk-disable", "otps",
		"-sdk-pkce-required=false", "-sdk-captcha", "-sdk-dfp", "-tls", "-state", "/tmp/x/state.json",
	}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.publicToken != "public-token-test-mine" || strings.Join(o.sdk.AppIDs, ",") != "com.example.a,com.example.b" ||
		strings.Join(o.sdk.Domains, ",") != "localhost:5173" || strings.Join(o.sdk.Disabled, ",") != "magic_links,otps" ||
		o.sdk.PKCERequired || !o.sdk.Captcha || !o.sdk.DFP || !o.useTLS || o.tlsCert != "/tmp/x/state.cert.pem" {
		t.Fatalf("parsed: %+v", o)
	}
	for _, args := range [][]string{
		{"-sdk-disable", "passwords"},
		{"-sdk-app-id", ""},
		{"-sdk-domain", " "},
		{"-tls-cert", "/tmp/c.pem"},
		{"-sdk-pkce-required=maybe"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, %s", args, code, stderr.String())
		}
	}
}

// waitBanner waits for the start banner and returns it.
func waitBanner(t *testing.T, stdout *lockedBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if out := stdout.String(); strings.Contains(out, "Press Ctrl+C") {
			return out
		}
	}
	t.Fatalf("no start banner: %q", stdout.String())
	return ""
}

func TestDefaultRedirectFlags(t *testing.T) {
	stdout, stderr, cancel, done := runInBackground("-addr", "127.0.0.1:0",
		"-redirect-url", "http://127.0.0.1:8765/login", "-redirect-url", "http://127.0.0.1:8765/signup",
		"-default-login-redirect-url", "http://127.0.0.1:8765/login",
		"-default-signup-redirect-url", "http://127.0.0.1:8765/signup")
	defer cancel()
	out := waitBanner(t, stdout)
	for _, want := range []string{
		"login URL:  http://127.0.0.1:8765/login  (default login redirect)\n",
		"signup URL: http://127.0.0.1:8765/signup  (default signup redirect)\n",
		"redirects:  http://localhost:3000/authenticate, http://127.0.0.1:3000/authenticate, http://127.0.0.1:8765/login",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}

	// A default that is not on the allow-list is refused at start.
	var so, se bytes.Buffer
	if code := run([]string{"-addr", "127.0.0.1:0", "-default-login-redirect-url", "http://127.0.0.1:8765/elsewhere"}, &so, &se); code != 1 ||
		!strings.Contains(se.String(), "not on the redirect allow-list") {
		t.Fatalf("unlisted default: exit %d, %s", code, se.String())
	}
}

func TestRunTLSAndSDKBanner(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	stdout, stderr, cancel, done := runInBackground("-addr", "127.0.0.1:0", "-tls", "-state", state, "-sdk-disable", "otps",
		"-sdk-app-id", "com.example.desktop", "-sdk-captcha")
	defer cancel()
	out := waitBanner(t, stdout)
	certFile := strings.TrimSuffix(state, ".json") + ".cert.pem"
	base := regexp.MustCompile(`base URL:\s+(https://127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out)
	if base == nil {
		t.Fatalf("no https base URL: %s", out)
	}
	for _, want := range []string{
		"TLS cert:   " + certFile, "SDK URL:      " + base[1] + "/sdk/v1", "public token: " + emulator.DefaultPublicToken,
		"app ids:      com.example.desktop\n", "domains:      localhost, 127.0.0.1\n", "disabled:     otps\n",
		"PKCE:         required\n", "captcha:      on\n", "DFP:          off\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}

	pemCert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCert)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	sdkReq := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base[1]+"/sdk/v1"+path, strings.NewReader(body))
		req.SetBasicAuth(emulator.DefaultPublicToken, emulator.DefaultPublicToken)
		req.Header.Set("Content-Type", "application/json")
		info, _ := json.Marshal(map[string]any{"app": map[string]string{"identifier": "com.example.desktop"}})
		req.Header.Set("X-SDK-Client", base64.StdEncoding.EncodeToString(info))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := sdkReq(http.MethodGet, "/projects/bootstrap/"+emulator.DefaultPublicToken, ""); code != 200 ||
		!strings.Contains(body, `"captcha_settings":{"enabled":true`) {
		t.Fatalf("bootstrap: %d %s", code, body)
	}
	if code, body := sdkReq(http.MethodPost, "/otps/email/login_or_create", `{"email":"a@example.com"}`); code != 401 ||
		!strings.Contains(body, "endpoint_not_authorized_for_sdk") {
		t.Fatalf("disabled OTP: %d %s", code, body)
	}
	if _, err := http.Get(base[1] + "/dev/inbox"); err == nil {
		t.Fatal("a client that does not trust the certificate got through")
	}

	client.CloseIdleConnections()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}
