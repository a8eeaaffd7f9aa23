package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeXWD builds a minimal 32-bit TrueColor xwd dump of w×h pixels.
func makeXWD(w, h int, px func(x, y int) uint32) []byte {
	const headerSize = xwdHeaderFields*4 + 8 // header plus a short window name
	bpl := w * 4
	b := make([]byte, headerSize+h*bpl)
	set := func(i int, v uint32) { binary.BigEndian.PutUint32(b[i*4:], v) }
	set(xwdHeaderSize, headerSize)
	set(xwdVersion, 7)
	set(xwdWidth, uint32(w))
	set(xwdHeight, uint32(h))
	set(xwdByteOrder, 0)
	set(xwdBitsPerPixel, 32)
	set(xwdBytesPerLine, uint32(bpl))
	set(xwdRedMask, 0xff0000)
	set(xwdGreenMask, 0x00ff00)
	set(xwdBlueMask, 0x0000ff)
	set(xwdNColors, 0)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			binary.LittleEndian.PutUint32(b[headerSize+y*bpl+x*4:], px(x, y))
		}
	}
	return b
}

func TestParseXWD(t *testing.T) {
	// The padding byte differs but is masked out: still one colour.
	flat, err := parseXWD(makeXWD(4, 3, func(x, _ int) uint32 { return uint32(x)<<24 | 0x101010 }))
	if err != nil || flat.drawn || flat.width != 4 || flat.height != 3 {
		t.Fatalf("flat image: %+v %v", flat, err)
	}
	drawn, err := parseXWD(makeXWD(4, 3, func(x, y int) uint32 {
		if x == 2 && y == 1 {
			return 0xffffff
		}
		return 0x101010
	}))
	if err != nil || !drawn.drawn || drawn.sum == flat.sum {
		t.Fatalf("drawn image: %+v %v", drawn, err)
	}
	again, _ := parseXWD(makeXWD(4, 3, func(x, y int) uint32 {
		if x == 2 && y == 1 {
			return 0xffffff
		}
		return 0x101010
	}))
	if again.sum != drawn.sum {
		t.Error("the same content hashed differently")
	}
	for _, bad := range [][]byte{nil, make([]byte, 50), makeXWD(4, 3, func(int, int) uint32 { return 0 })[:120]} {
		if _, err := parseXWD(bad); err == nil {
			t.Errorf("no error for a %d-byte dump", len(bad))
		}
	}
}

func TestSettledAt(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	dumps := []dump{{1, at(0)}, {2, at(20)}, {3, at(40)}, {3, at(60)}}
	if _, ok := settledAt(dumps, 100*time.Millisecond); ok {
		t.Fatal("settled after 20 ms")
	}
	dumps = append(dumps, dump{3, at(200)})
	got, ok := settledAt(dumps, 100*time.Millisecond)
	if !ok || !got.Equal(at(40)) {
		t.Fatalf("settledAt = %v, %v; want the dump at 40 ms", got.Sub(t0), ok)
	}
	// Content seen before a transient frame counts from its first dump.
	dumps = []dump{{3, at(0)}, {4, at(20)}, {3, at(40)}, {3, at(400)}}
	if got, ok := settledAt(dumps, 100*time.Millisecond); !ok || !got.Equal(at(0)) {
		t.Fatalf("settledAt = %v, %v; want the dump at 0 ms", got.Sub(t0), ok)
	}
}

func TestSummarize(t *testing.T) {
	s := summarize([]float64{5, 1, 3, 2})
	if s.med != 2.5 || s.min != 1 || s.max != 5 || s.n != 4 {
		t.Fatalf("even: %+v", s)
	}
	if s := summarize([]float64{9, 1, 4}); s.med != 4 {
		t.Fatalf("odd: %+v", s)
	}
	if s := summarize(nil); s.n != 0 {
		t.Fatalf("empty: %+v", s)
	}
}

func TestRowsMarkMissedTargets(t *testing.T) {
	fast, slow := stat{med: 100, min: 90, max: 110}, stat{med: 120, min: 100, max: 130}
	if r := ratioRow("m", slow, fast, "%.0f", "ms", 1.10); r.mark != "✗" || r.cmp != "×1.20" {
		t.Errorf("over target: %+v", r)
	}
	if r := ratioRow("m", fast, slow, "%.0f", "ms", 1.10); r.mark != "✓" {
		t.Errorf("within target: %+v", r)
	}
	if r := diffRow("m", slow, fast, "%.2f", "ms", 25, "t"); r.mark != "✓" || r.cmp != "+20.00 ms" {
		t.Errorf("difference: %+v", r)
	}
	var b strings.Builder
	printTable(&b, []row{{"a", "b", "c", "d", "e", "✗"}})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "✗") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkCallbackToSignedIn-2     	     100	   2358917 ns/op	         3.033 max-ms	         2.319 med-ms	         2.216 min-ms
BenchmarkEmulatorAuthenticate-2   	     100	   3104465 ns/op	         8.049 max-ms	         2.860 med-ms	         2.772 min-ms
PASS
`
	path := filepath.Join(t.TempDir(), "bench.out")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := parseBench(path)
	if err != nil {
		t.Fatal(err)
	}
	cb := res[benchCallback]
	if cb.med != 2.319 || cb.min != 2.216 || cb.max != 3.033 || cb.n != 100 {
		t.Errorf("callback: %+v", cb)
	}
	if res[benchBare].med != 2.860 {
		t.Errorf("bare: %+v", res[benchBare])
	}
}

func TestRSS(t *testing.T) {
	kb, err := rssKB(os.Getpid())
	if err != nil || kb <= 0 {
		t.Fatalf("rssKB = %d, %v", kb, err)
	}
}
