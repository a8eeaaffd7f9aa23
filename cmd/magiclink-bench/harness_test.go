package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
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

// benchOutput is `go test -bench` output in the shape auth/bench_test.go
// prints, with the given paired ratios of the two benchmarks.
func benchOutput(callbackPaired, barePaired string) string {
	return `goos: linux
BenchmarkCallbackToSignedIn-2     	     100	   4717834 ns/op	         3.033 public-token-max-ms	         2.319 public-token-med-ms	         2.216 public-token-min-ms	         4.100 secret-max-ms	         2.400 secret-med-ms	         2.001 secret-min-ms	         ` + callbackPaired + ` paired-ratio
BenchmarkEmulatorAuthenticate-2   	     100	   3604465 ns/op	         8.049 public-token-max-ms	         1.760 public-token-med-ms	         1.430 public-token-min-ms	         2.886 secret-max-ms	         1.800 secret-med-ms	         1.445 secret-min-ms	         ` + barePaired + ` paired-ratio
PASS
`
}

// parseBenchText writes out to a file and parses it.
func parseBenchText(t *testing.T, out string) benchOut {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.out")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := parseBench(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseBench(t *testing.T) {
	res := parseBenchText(t, benchOutput("0.9650", "1.012"))
	cb := res.of(benchCallback, backendPublic)
	if cb.med != 2.319 || cb.min != 2.216 || cb.max != 3.033 || cb.n != 100 {
		t.Errorf("callback, public token: %+v", cb)
	}
	if s := res.of(benchCallback, backendStytchGo); s.med != 2.400 || s.min != 2.001 || s.max != 4.100 {
		t.Errorf("callback, stytch-go: %+v", s)
	}
	if res.of(benchBare, backendPublic).med != 1.760 || res.of(benchBare, backendStytchGo).med != 1.800 {
		t.Errorf("bare: %+v", res.stats)
	}
	if res.paired[benchCallback] != 0.965 || res.paired[benchBare] != 1.012 {
		t.Errorf("paired ratios: %+v", res.paired)
	}
	// Unprefixed metrics, sub-benchmarks and names without a GOMAXPROCS
	// suffix.
	res = parseBenchText(t, `BenchmarkPlain-16   	  50	 100 ns/op	 2.5 med-ms	 2.0 min-ms	 3.0 max-ms
BenchmarkSub/public-token-2	  10	 100 ns/op	 1.5 med-ms
BenchmarkSub/secret	  10	 100 ns/op	 1.25 med-ms
`)
	if s := res.stats["BenchmarkPlain"]; s.med != 2.5 || s.min != 2.0 || s.max != 3.0 || s.n != 50 {
		t.Errorf("plain: %+v", s)
	}
	if res.of("BenchmarkSub", backendPublic).med != 1.5 || res.of("BenchmarkSub", backendStytchGo).med != 1.25 {
		t.Errorf("sub-benchmarks: %+v", res.stats)
	}
}

func TestPathComparisonRow(t *testing.T) {
	find := func(rows []row, prefix string) row {
		t.Helper()
		for _, r := range rows {
			if strings.HasPrefix(r.measure, prefix) {
				return r
			}
		}
		t.Fatalf("no row %q", prefix)
		return row{}
	}
	bins := binaries{appSize: 2, helloSize: 1}
	for _, tc := range []struct {
		paired, cmp, mark string
	}{
		{"0.9650", "×0.96 paired", "✓"},
		{"1.049", "×1.05 paired", "✓"},
		{"1.080", "×1.08 paired", "✗"},
	} {
		memory := parseBenchText(t, benchOutput(tc.paired, "1.012"))
		keyring := parseBenchText(t, benchOutput("1.300", "1.012"))
		rows := buildRows(&results{}, keyring, memory, bins)
		r := find(rows, "7. ")
		if r.cmp != tc.cmp || r.mark != tc.mark || r.app != "2.32 ms (2.22–3.03)" || r.base != "2.40 ms (2.00–4.10)" {
			t.Errorf("paired %s: row 7 = %+v", tc.paired, r)
		}
		if !strings.Contains(r.target, "×1.05") {
			t.Errorf("row 7 target %q", r.target)
		}
		// The keyring run's comparison is shown, without a target of its own.
		if k := rows[slices.Index(rows, r)+1]; k.cmp != "×1.30 paired" || k.mark != "–" {
			t.Errorf("keyring comparison: %+v", k)
		}
	}
	rows := buildRows(&results{}, parseBenchText(t, benchOutput("1", "1")), parseBenchText(t, benchOutput("1", "1")), bins)
	if r := find(rows, "5a. "); r.cmp != "+0.56 ms" || r.mark != "✓" {
		t.Errorf("5a (public token, callback − bare): %+v", r)
	}
	if r := find(rows, "5b. "); r.cmp != "+0.60 ms" || r.mark != "✓" {
		t.Errorf("5b (stytch-go, callback − bare): %+v", r)
	}
	// A missing paired ratio is no pass.
	if r := pairedRow("m", stat{}, stat{}, 0, "%.2f", "ms", pathRatioMax, ""); r.mark != "✗" {
		t.Errorf("no ratio: %+v", r)
	}
}

func TestRSS(t *testing.T) {
	kb, err := rssKB(os.Getpid())
	if err != nil || kb <= 0 {
		t.Fatalf("rssKB = %d, %v", kb, err)
	}
}
