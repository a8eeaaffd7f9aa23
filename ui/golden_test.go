package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

// Golden markup of each view at the default window size (font independent;
// regenerate by copying testdata/failed/*.xml after a deliberate change).
func TestGoldenMarkup(t *testing.T) {
	offline := auth.Snapshot{State: auth.StateOffline, Email: "ada@example.com", Profile: ada(), RetryAt: t0.Add(12 * time.Second)}
	for _, tc := range []struct {
		name string
		opts Options
		s    auth.Snapshot
	}{
		{"signin.xml", Options{}, auth.Snapshot{}},
		{"signin_demo_error.xml", Options{Demo: true}, auth.Snapshot{Email: "ada@example.com",
			Err: &auth.Error{Kind: auth.KindRateLimited, Message: "Too many attempts. Wait a minute, then try again."}}},
		{"sending.xml", Options{}, auth.Snapshot{State: auth.StateSending, Email: "ada@example.com"}},
		{"inbox.xml", Options{}, linkSent("ada@gmail.com")},
		{"inbox_code.xml", Options{Demo: true, DemoInboxURL: "http://127.0.0.1:1/inbox"}, withCode(linkSent("ada@example.com"))},
		{"verifying.xml", Options{}, auth.Snapshot{State: auth.StateVerifying}},
		{"profile.xml", Options{}, signedIn(ada())},
		{"offline.xml", Options{}, offline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, auth.Snapshot{}, tc.opts)
			h.eng.push(tc.s)
			test.AssertRendersToMarkup(t, tc.name, h.ui.Window().Canvas())
		})
	}
}
