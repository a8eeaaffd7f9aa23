package ui

import (
	"bytes"
	"image/png"
	"os"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

// The view-model may be fed from many goroutines; every snapshot is either
// rendered or superseded by a later one, and the last one always renders.
func TestViewModel_ConcurrentPublishLatestWins(t *testing.T) {
	test.NewTempApp(t)
	var mu sync.Mutex
	var rendered []string
	vm := newViewModel(func(s auth.Snapshot) {
		mu.Lock()
		defer mu.Unlock()
		rendered = append(rendered, s.Email)
	}, func() {}, (&fakeTicker{}).every)

	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				vm.publish(auth.Snapshot{Email: "x"})
			}
		}()
	}
	wg.Wait()
	vm.publish(auth.Snapshot{Email: "last"})

	mu.Lock()
	defer mu.Unlock()
	if len(rendered) == 0 || rendered[len(rendered)-1] != "last" {
		t.Fatalf("last rendered = %v", rendered[max(0, len(rendered)-1):])
	}
}

func TestViewModel_ClosedIgnoresPublish(t *testing.T) {
	test.NewTempApp(t)
	n := 0
	vm := newViewModel(func(auth.Snapshot) { n++ }, func() {}, (&fakeTicker{}).every)
	eng := newFakeEngine(auth.Snapshot{})
	vm.bind(eng)
	eng.push(auth.Snapshot{})
	vm.close()
	eng.push(auth.Snapshot{})
	vm.publish(auth.Snapshot{})
	if n != 1 {
		t.Fatalf("rendered %d times, want 1", n)
	}
	vm.setTicking(true)
	if vm.stopTick != nil {
		t.Fatal("ticker started after close")
	}
}

func TestEveryOnUI_TicksAndStops(t *testing.T) {
	test.NewTempApp(t)
	ticks := make(chan struct{}, 1)
	stop := everyOnUI(time.Millisecond, func() {
		select {
		case ticks <- struct{}{}:
		default:
		}
	})
	select {
	case <-ticks:
	case <-time.After(5 * time.Second):
		t.Fatal("no tick")
	}
	stop()
	stop() // idempotent
}

func TestClock(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0:00"}, {-time.Second, "0:00"}, {27 * time.Second, "0:27"}, {15 * time.Minute, "15:00"},
		{14*time.Minute + 59*time.Second, "14:59"}, {time.Hour, "60:00"}, {90 * time.Minute, "1:30:00"},
	} {
		if got := clock(tc.d); got != tc.want {
			t.Errorf("clock(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := remaining(t0, t0.Add(1500*time.Millisecond)); got != 2*time.Second {
		t.Errorf("remaining rounds %v, want up to 2s", got)
	}
	if got := remaining(t0, t0.Add(-time.Second)); got != 0 {
		t.Errorf("remaining in the past = %v", got)
	}
}

func TestInitials(t *testing.T) {
	for _, tc := range []struct{ name, email, want string }{
		{"Ada Lovelace", "", "AL"}, {"ada king lovelace", "", "AK"}, {"", "grace@example.org", "G"}, {"", "", "?"}, {"Émile", "", "É"},
	} {
		if got := initials(tc.name, tc.email); got != tc.want {
			t.Errorf("initials(%q, %q) = %q, want %q", tc.name, tc.email, got, tc.want)
		}
	}
}

// The embedded icon is the repository's Icon.png, 512×512.
func TestIcon(t *testing.T) {
	root, err := os.ReadFile("../Icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, Icon().Content()) {
		t.Fatal("ui/icon.png differs from Icon.png; run go run ./ui/internal/icongen/main.go")
	}
	img, err := png.Decode(bytes.NewReader(root))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("icon is %v, want 512×512", b.Size())
	}
}

func TestAppIDMatchesFyneAppToml(t *testing.T) {
	toml, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(toml, []byte(`ID = "`+AppID+`"`)) {
		t.Fatalf("FyneApp.toml does not declare ID %q", AppID)
	}
}
