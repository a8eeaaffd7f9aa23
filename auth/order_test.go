package auth

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// gatedClient is a real client whose SendLink answer (after Stytch sent
// the email) and AuthenticateLink call wait for the test, so the test
// decides the order in which the engine handles them.
type gatedClient struct {
	backend.Client
	sent       chan struct{} // closed once Stytch sent the email
	answerSend chan struct{} // the test closes it to hand the engine the send's answer
	authStart  chan struct{} // closed when the link's exchange starts
	answerAuth chan struct{} // the test closes it to let the exchange go ahead
}

func (g *gatedClient) SendLink(ctx context.Context, req backend.LinkRequest) error {
	err := g.Client.SendLink(ctx, req)
	close(g.sent)
	<-g.answerSend
	return err
}

func (g *gatedClient) AuthenticateLink(ctx context.Context, token, verifier string, d time.Duration) (*backend.Auth, error) {
	close(g.authStart)
	<-g.answerAuth
	return g.Client.AuthenticateLink(ctx, token, verifier, d)
}

// The link followed before the engine handled Stytch's answer to its own
// send request: the answer must not take Verifying back to Check your
// inbox (seen as Sending → Verifying → LinkSent → SignedIn).
func TestSendAnswerAfterTheLinkNeverGoesBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		h := newHarness(t, b)
		real, err := NewClient(h.cfg.WithDefaults(), App{}.withDefaults(), &http.Client{Timeout: 5 * time.Second}, h.log)
		if err != nil {
			t.Fatal(err)
		}
		g := &gatedClient{Client: real, sent: make(chan struct{}), answerSend: make(chan struct{}),
			authStart: make(chan struct{}), answerAuth: make(chan struct{})}
		e, err := New(h.cfg, Options{Store: h.store, Logger: h.log, Client: g})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		e.Start()
		waitState(t, e, StateSignedOut)
		if err := e.StartLogin("order@example.com"); err != nil {
			t.Fatal(err)
		}
		<-g.sent
		done := make(chan string, 1)
		go func() {
			_, body := open(t, h.lastLink("order@example.com"))
			done <- body
		}()
		<-g.authStart
		if s := e.Snapshot(); s.State != StateVerifying {
			t.Fatalf("following the link shows %v, want Verifying", s.State)
		}
		close(g.answerSend) // now the send's answer arrives
		s := waitFor(t, e, "the send's answer handled", func(s Snapshot) bool { return s.Link.Active })
		if s.State != StateVerifying {
			t.Fatalf("the send's answer took Verifying to %v", s.State)
		}
		close(g.answerAuth)
		if body := <-done; !strings.Contains(body, "Signed in as") {
			t.Fatalf("callback page: %s", body)
		}
		waitState(t, e, StateSignedIn)
		time.Sleep(50 * time.Millisecond)
		if s := e.Snapshot(); s.State != StateSignedIn {
			t.Fatalf("after signing in: %v", s.State)
		}
		// Every state change, in order, from the engine's log.
		var seen []string
		for _, m := range regexp.MustCompile(`msg="state changed" from=\w+ to=(\w+)`).FindAllStringSubmatch(h.logs.String(), -1) {
			seen = append(seen, m[1])
		}
		if got := strings.Join(seen, " → "); got != "SignedOut → Sending → Verifying → SignedIn" {
			t.Fatalf("states: %s", got)
		}
	})
}
