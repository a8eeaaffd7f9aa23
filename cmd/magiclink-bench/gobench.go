package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The in-process benchmarks in auth/bench_test.go. Each reports the
// median, minimum and maximum of its timed section over its iterations.
const (
	benchCallback = "BenchmarkCallbackToSignedIn"
	benchBare     = "BenchmarkEmulatorAuthenticate"
)

// runGoBench runs the auth package's click-to-signed-in benchmarks in one
// `go test` process. With realKeyring the callback path stores the session
// in the private gnome-keyring, a real Secret Service, as the app does;
// otherwise in memory. It returns each benchmark's stat in milliseconds.
func runGoBench(ctx context.Context, t *procTable, d *desktop, root, benchtime string, realKeyring bool) (map[string]stat, error) {
	name, keyring := "go-bench-memory.out", "0"
	if realKeyring {
		name, keyring = "go-bench-keyring.out", "1"
	}
	out, err := d.logFile(name)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "CallbackToSignedIn|EmulatorAuthenticate",
		"-benchtime", benchtime, "-count", "1", "./auth")
	cmd.Dir = root
	cmd.Env = append(withoutVars(os.Environ(), "DBUS_SESSION_BUS_ADDRESS", "MAGICLINK_REAL_KEYRING"),
		"DBUS_SESSION_BUS_ADDRESS="+d.bus, "MAGICLINK_REAL_KEYRING="+keyring)
	cmd.Stdout, cmd.Stderr = out, out
	p, err := t.start("go test -bench", cmd)
	if err != nil {
		return nil, err
	}
	defer t.stop(p, 5*time.Second)
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(8 * time.Minute):
		return nil, fmt.Errorf("go test -bench did not finish in 8 minutes; see %s", out.Name())
	}
	if p.err != nil {
		return nil, fmt.Errorf("go test -bench failed (%v):\n%s", p.err, tailFile(out.Name(), 3000))
	}
	res, err := parseBench(out.Name())
	if err != nil {
		return nil, err
	}
	for _, name := range []string{benchCallback, benchBare} {
		if _, ok := res[name]; !ok {
			return nil, fmt.Errorf("go test printed no result for %s:\n%s", name, tailFile(out.Name(), 3000))
		}
	}
	return res, nil
}

// parseBench reads benchmark result lines such as
//
//	BenchmarkX-2   100   2301234 ns/op   2.10 med-ms   1.90 min-ms   9.80 max-ms
//
// and returns the med-ms, min-ms and max-ms metrics by benchmark name.
func parseBench(path string) (map[string]stat, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("could not read the benchmark output: %w", err)
	}
	defer f.Close()
	res := map[string]stat{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name, _, _ := strings.Cut(fields[0], "-")
		var s stat
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "med-ms":
				s.med = v
			case "min-ms":
				s.min = v
			case "max-ms":
				s.max = v
			}
		}
		s.n, _ = strconv.Atoi(fields[1])
		res[name] = s
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
