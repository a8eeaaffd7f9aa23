package publicclient

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

var bootstrapPath = "projects/bootstrap/" + testToken

func sendBoth(ctx context.Context, c *Client) (linkErr, codeErr error) {
	linkErr = c.SendLink(ctx, backend.LinkRequest{Email: testEmail, RedirectURL: testRedirect, Expiry: time.Hour, CodeChallenge: testChallenge})
	_, codeErr = c.SendCode(ctx, testEmail, 5*time.Minute)
	return linkErr, codeErr
}

// TestBootstrapGate: a project with captcha or DFP Protected Auth on is
// refused before any send, with an error that says why.
func TestBootstrapGate(t *testing.T) {
	for _, tc := range []struct {
		sample, wantType, wantMsg, wantID string
	}{
		{"bootstrap_captcha.json", backend.TypeCaptchaRequired, "captcha", "request-id-test-b0075742-0000-4000-8000-000000000002"},
		{"bootstrap_dfp.json", backend.TypeDeviceFingerprintRequired, "Device Fingerprinting Protected Auth", "request-id-test-b0075742-0000-4000-8000-000000000003"},
		{"", backend.TypeCaptchaRequired, "captcha", ""}, // both on: captcha is named
	} {
		t.Run(tc.wantType+tc.sample, func(t *testing.T) {
			f := newFake(t)
			body := `{"data":{"captcha_settings":{"enabled":true},"dfp_protected_auth_enabled":true}}`
			if tc.sample != "" {
				body = sample(t, tc.sample)
			}
			f.set(bootstrapPath, reply{status: 200, body: body})
			c := f.client()
			linkErr, codeErr := sendBoth(context.Background(), c)
			for _, err := range []error{linkErr, codeErr} {
				be := backend.AsError(err)
				if be == nil || be.Type != tc.wantType || be.StatusCode != 0 || be.RequestID != tc.wantID || be.Credentials != "STYTCH_PUBLIC_TOKEN" {
					t.Fatalf("err %#v", err)
				}
				if !strings.Contains(be.Message, tc.wantMsg) || !strings.Contains(be.Message, "desktop app can't") ||
					!strings.Contains(be.Message, "switch") || !strings.Contains(be.Message, "Frontend SDK") {
					t.Errorf("message %q should say why and what to switch off", be.Message)
				}
			}
			f.wantCount("", 1) // the bootstrap only
		})
	}
}

// TestBootstrapSharedAndCached: concurrent first calls share one fetch,
// later ones use the kept result.
func TestBootstrapSharedAndCached(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	f.set(bootstrapPath, reply{status: 200, body: sample(t, "bootstrap.json"), wait: release})
	f.set("magic_links/email/login_or_create", reply{status: 200, body: sample(t, "magic_links_email_login_or_create.json")})
	f.set("otps/email/login_or_create", reply{status: 200, body: sample(t, "otps_email_login_or_create.json")})
	c := f.client()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for range 10 {
		wg.Go(func() { _, err := c.Bootstrap(ctx); errs <- err })
		wg.Go(func() {
			l, o := sendBoth(ctx, c)
			errs <- l
			errs <- o
		})
	}
	// Let every caller reach the fetch in flight, then answer it.
	f.waitForRequest(bootstrapPath)
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	f.wantCount(bootstrapPath, 1)
	f.wantCount("magic_links/email/login_or_create", 10)
}

// TestBootstrapFailureNotCached: a failed fetch fails that send; the next
// send fetches again.
func TestBootstrapFailureNotCached(t *testing.T) {
	f := newFake(t)
	f.set(bootstrapPath,
		reply{status: 500, body: `{"status_code":500,"error_type":"internal_server_error","error_message":"Oops."}`},
		reply{status: 200, contentType: "text/html", body: "<html>maintenance</html>"},
		reply{status: 200, body: sample(t, "bootstrap.json")})
	f.set("magic_links/email/login_or_create", reply{status: 200, body: sample(t, "magic_links_email_login_or_create.json")})
	c := f.client()
	ctx := context.Background()
	send := func() error {
		return c.SendLink(ctx, backend.LinkRequest{Email: testEmail, Expiry: time.Hour, CodeChallenge: testChallenge})
	}
	err := send()
	if be := backend.AsError(err); be == nil || be.Type != "internal_server_error" || be.StatusCode != 500 {
		t.Fatalf("first send: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "publicclient: send magic link: bootstrap: stytch: 500") {
		t.Errorf("error %q", err)
	}
	if err := send(); !errors.Is(err, ErrUnexpectedResponse) {
		t.Fatalf("second send: %v", err)
	}
	if err := send(); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if err := send(); err != nil {
		t.Fatalf("fourth send: %v", err)
	}
	f.wantCount(bootstrapPath, 3)
	f.wantCount("magic_links/email/login_or_create", 2)
}

// TestBootstrapFetcherCancelled: when the caller whose request is fetching
// gives up, a caller waiting on it fetches for itself instead of taking
// the other's cancellation.
func TestBootstrapFetcherCancelled(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	f.set(bootstrapPath, reply{status: 200, body: sample(t, "bootstrap.json"), wait: release},
		reply{status: 200, body: sample(t, "bootstrap.json")})
	c := f.client()

	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := c.Bootstrap(ctx1); first <- err }()
	f.waitForRequest(bootstrapPath)
	second := make(chan error, 1)
	go func() { _, err := c.Bootstrap(context.Background()); second <- err }()
	time.Sleep(20 * time.Millisecond) // let it wait on the first fetch
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("first: %v, want Canceled", err)
	}
	if err := <-second; err != nil {
		t.Errorf("second: %v", err)
	}
	close(release)

	// A waiter whose own context ends stops waiting.
	f2 := newFake(t)
	block := make(chan struct{})
	defer close(block)
	f2.set(bootstrapPath, reply{status: 200, body: sample(t, "bootstrap.json"), wait: block})
	c2 := f2.client()
	go func() { _, _ = c2.Bootstrap(context.Background()) }() // blocked until the test ends
	f2.waitForRequest(bootstrapPath)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c2.Bootstrap(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter: %v, want DeadlineExceeded", err)
	}
}
