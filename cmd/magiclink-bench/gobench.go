package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The in-process benchmarks in auth/bench_test.go. Each times both
// backends interleaved and reports, for each, the median, minimum and
// maximum of its timed sections, and the median of the paired ratios
// (public token over stytch-go, iteration by iteration).
const (
	benchCallback = "BenchmarkCallbackToSignedIn"
	benchBare     = "BenchmarkEmulatorAuthenticate"
	// The backends' names in those benchmarks (auth/harness_test.go).
	backendPublic   = "public-token" // Stytch's client API /sdk/v1, auth/publicclient
	backendStytchGo = "secret"       // Stytch's backend API /v1, stytch-go
	// pairedMetric is the unit of the paired ratio.
	pairedMetric = "paired-ratio"
)

// benchOut is what a `go test -bench` run printed.
type benchOut struct {
	// stats are by benchmark and backend, e.g.
	// "BenchmarkCallbackToSignedIn/public-token", in milliseconds; a
	// benchmark's unprefixed med-ms, min-ms and max-ms are under its name.
	stats map[string]stat
	// paired is each benchmark's paired ratio, by benchmark name.
	paired map[string]float64
}

// of returns the stat of a benchmark's backend.
func (o benchOut) of(bench, backend string) stat { return o.stats[bench+"/"+backend] }

// runGoBench runs the auth package's click-to-signed-in benchmarks in one
// `go test` process. With realKeyring the callback path stores the session
// in the private gnome-keyring, a real Secret Service, as the app does;
// otherwise in memory.
func runGoBench(ctx context.Context, t *procTable, d *desktop, root, benchtime string, realKeyring bool) (benchOut, error) {
	name, keyring := "go-bench-memory.out", "0"
	if realKeyring {
		name, keyring = "go-bench-keyring.out", "1"
	}
	out, err := d.logFile(name)
	if err != nil {
		return benchOut{}, err
	}
	defer out.Close()
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "CallbackToSignedIn|EmulatorAuthenticate",
		"-benchtime", benchtime, "-count", "1", "./auth")
	cmd.Dir = root
	cmd.Env = append(withoutVars(os.Environ(), "DBUS_SESSION_BUS_ADDRESS", "MAGICLINK_REAL_KEYRING", "MAGICLINK_BENCH_AA"),
		"DBUS_SESSION_BUS_ADDRESS="+d.bus, "MAGICLINK_REAL_KEYRING="+keyring)
	cmd.Stdout, cmd.Stderr = out, out
	p, err := t.start("go test -bench", cmd)
	if err != nil {
		return benchOut{}, err
	}
	defer t.stop(p, 5*time.Second)
	select {
	case <-p.done:
	case <-ctx.Done():
		return benchOut{}, ctx.Err()
	case <-time.After(8 * time.Minute):
		return benchOut{}, fmt.Errorf("go test -bench did not finish in 8 minutes; see %s", out.Name())
	}
	if p.err != nil {
		return benchOut{}, fmt.Errorf("go test -bench failed (%v):\n%s", p.err, tailFile(out.Name(), 3000))
	}
	res, err := parseBench(out.Name())
	if err != nil {
		return benchOut{}, err
	}
	for _, bench := range []string{benchCallback, benchBare} {
		_, ok := res.paired[bench]
		for _, backend := range []string{backendPublic, backendStytchGo} {
			_, has := res.stats[bench+"/"+backend]
			ok = ok && has
		}
		if !ok {
			return benchOut{}, fmt.Errorf("go test printed no complete result for %s:\n%s", bench, tailFile(out.Name(), 3000))
		}
	}
	return res, nil
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names.
var procsSuffix = regexp.MustCompile(`-[0-9]+$`)

// parseBench reads benchmark result lines such as
//
//	BenchmarkX-2   100   2301234 ns/op   2.10 med-ms   1.90 min-ms   9.80 max-ms
//	BenchmarkY-2   100   4602468 ns/op   2.10 a-med-ms   1.90 a-min-ms   9.80 a-max-ms   2.20 b-med-ms …   0.98 paired-ratio
//
// and returns the med-ms, min-ms and max-ms metrics by benchmark name
// ("BenchmarkX"), or by benchmark and prefix for prefixed ones
// ("BenchmarkY/a"), and the paired-ratio metrics by benchmark name.
func parseBench(path string) (benchOut, error) {
	f, err := os.Open(path)
	if err != nil {
		return benchOut{}, fmt.Errorf("could not read the benchmark output: %w", err)
	}
	defer f.Close()
	res := benchOut{stats: map[string]stat{}, paired: map[string]float64{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := procsSuffix.ReplaceAllString(fields[0], "")
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			unit := fields[i+1]
			if unit == pairedMetric {
				res.paired[name] = v
				continue
			}
			key := name
			for _, m := range []string{"med-ms", "min-ms", "max-ms"} {
				prefix, ok := strings.CutSuffix(unit, m)
				if !ok {
					continue
				}
				if prefix != "" {
					key += "/" + strings.TrimSuffix(prefix, "-")
				}
				s := res.stats[key]
				switch m {
				case "med-ms":
					s.med = v
				case "min-ms":
					s.min = v
				case "max-ms":
					s.max = v
				}
				s.n = n
				res.stats[key] = s
			}
		}
	}
	return res, sc.Err()
}

// withoutVars returns env without the named variables.
func withoutVars(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
