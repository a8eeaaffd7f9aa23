package auth

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// README's messages — the italic sentences of the fault matrix's "What
// the user sees" column and of the configuration section, and the quoted
// messages that head troubleshooting entries — are the app's own: each
// part between "…" placeholders appears in a message the code builds.
func TestReadmeMessagesMatchTheApp(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	corpus := appMessages(t)
	var quoted []string
	italic := regexp.MustCompile(`(?:^|[^*\w])\*([^*\s][^*]*?)\*(?:[^*\w]|$)`)
	section := func(start string) string {
		doc := string(readme)
		i := strings.Index(doc, start)
		if i < 0 {
			t.Fatalf("README has no %q", start)
		}
		doc = doc[i+len(start):]
		if j := strings.Index(doc, "\n## "); j >= 0 {
			doc = doc[:j]
		}
		return doc
	}
	for _, line := range strings.Split(section("## Faults: what you see and what is kept"), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 4 || strings.HasPrefix(strings.TrimSpace(cols[1]), "Fault") || strings.HasPrefix(cols[1], "---") {
			continue
		}
		for _, m := range italic.FindAllStringSubmatch(cols[2], -1) {
			quoted = append(quoted, m[1])
		}
	}
	cfg := section("## Using a real Stytch project")
	cfg = cfg[strings.Index(cfg, "Flags win over the environment"):]
	for _, m := range italic.FindAllStringSubmatch(strings.Join(strings.Fields(cfg), " "), -1) {
		quoted = append(quoted, m[1])
	}
	for _, m := range regexp.MustCompile(`\*\*"([^"]+)"\*\*`).FindAllStringSubmatch(section("## Troubleshooting"), -1) {
		quoted = append(quoted, m[1])
	}
	if len(quoted) < 30 {
		t.Fatalf("found only %d messages in README; did its layout change?", len(quoted))
	}
	for _, q := range quoted {
		for _, part := range strings.Split(q, "…") {
			part = strings.Trim(strings.TrimSpace(part), ",;")
			if len(part) < 8 {
				continue
			}
			if !strings.Contains(corpus, part) {
				t.Errorf("README says %q, which no message of the app contains (in %q)", part, q)
			}
		}
	}
}

// appMessages is the text of every message the app can show: the string
// literals of its code (concatenations joined), and the messages built
// from Stytch's answers and from network failures.
func appMessages(t *testing.T) string {
	var b strings.Builder
	concat := regexp.MustCompile(`"\s*\+\s*"`)
	for _, dir := range []string{".", "launch", "../ui", "../cmd/magiclink"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(concat.ReplaceAllString(string(src), ""))
			b.WriteString("\n")
		}
	}
	e := &Engine{app: App{ID: "io.github.magiclink.magiclink"}}
	for _, typ := range []string{"invalid_email", "too_many_requests", "unable_to_auth_magic_link", "magic_link_not_found",
		"pkce_mismatch", "session_not_found", "invalid_public_token", "bad_app_bundle_for_stytch_sdk", "endpoint_not_authorized_for_sdk",
		backend.TypeCaptchaRequired, backend.TypeDeviceFingerprintRequired, "no_match_for_provided_magic_link_url",
		"otp_code_not_found", "unable_to_auth_otp_code"} {
		b.WriteString(e.classify(&backend.Error{StatusCode: 400, Type: typ, Credentials: EnvPublicToken}, "x").Message + "\n")
	}
	b.WriteString(classify(&backend.Error{StatusCode: 503, Type: "internal_server_error"}, "x").Message + "\n")
	b.WriteString(portError("3000", "localhost:3000", "", syscall.EADDRINUSE).Message + "\n")
	b.WriteString(revokeFailedMessage(false, time.Now()) + "\n")
	configured := Config{PublicToken: "public-token-test-x", BaseURL: "http://127.0.0.1:9", BaseURLSetting: EnvBaseURL}
	for _, cfg := range []Config{{PublicToken: "public-token-test-x"}, configured} {
		for f := NetOffline; f <= NetFailed; f++ {
			b.WriteString(netMessage(f, x509.UnknownAuthorityError{}, cfg) + "\n")
		}
	}
	return b.String()
}
