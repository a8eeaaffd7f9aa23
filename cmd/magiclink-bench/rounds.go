package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
)

// roundTripsPerRound is how many emulator round trips are timed in each
// round, between the program runs.
const roundTripsPerRound = 5

// setup is what the measured rounds need: the scenarios, the emulator the
// app restores against and the session token stored in the keyring.
type setup struct {
	scenarios []scenario
	fast      *emulator
	token     string
}

// prepare warms up both programs, starts the standalone emulators, signs
// the app in once so a session is stored in the private keyring, and
// returns the scenarios to measure.
func prepare(ctx context.Context, b *bench, emuBin, work string, progress io.Writer) (*setup, error) {
	demoPort, err := freePort()
	if err != nil {
		return nil, err
	}
	demoEnv := []string{"MAGICLINK_DEMO_ADDR=127.0.0.1:" + strconv.Itoa(demoPort)}
	fmt.Fprintln(progress, "warm-up: one unmeasured run of each program (the demo creates its signing key)…")
	if err := b.warmUp(ctx, demoEnv); err != nil {
		return nil, err
	}
	redirectPort, err := freePort()
	if err != nil {
		return nil, err
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/authenticate", redirectPort)
	fastState := filepath.Join(work, "emulator-state.json")
	fast, err := startEmulator(ctx, b.t, b.d, emuBin, "emulator", fastState, redirect, 0)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	fmt.Fprintln(progress, "signing the app in once (xdotool types the address, the harness opens the emailed link)…")
	token, err := b.signIn(ctx, fast, stytchEnv(fast.base, redirect))
	if err != nil {
		return nil, fmt.Errorf("signing in: %w", err)
	}
	slowState := filepath.Join(work, "emulator-slow-state.json")
	if err := copyFile(fastState, slowState); err != nil {
		return nil, err
	}
	slow, err := startEmulator(ctx, b.t, b.d, emuBin, "emulator-slow", slowState, redirect, slowLatency)
	if err != nil {
		return nil, fmt.Errorf("slow emulator: %w", err)
	}
	closedPort, err := freePort()
	if err != nil {
		return nil, err
	}
	closed := fmt.Sprintf("http://127.0.0.1:%d", closedPort)
	// The app keeps a session per credential and API host, so the one it
	// stored for the sign-in emulator is stored again for the other two
	// base URLs, as if it had been issued there.
	for _, base := range []string{slow.base, closed} {
		if err := storeToken(ctx, b.x, base, token); err != nil {
			return nil, err
		}
	}
	return &setup{
		fast:  fast,
		token: token,
		scenarios: []scenario{
			{key: "cold", kind: kindCold, env: demoEnv},
			{key: "closed", kind: kindClosed, env: stytchEnv(closed, redirect)},
			{key: "slow", kind: kindSlow, env: stytchEnv(slow.base, redirect)},
			{key: "restore", kind: kindRestore, env: stytchEnv(fast.base, redirect)},
		},
	}, nil
}

// results are the measured samples by scenario key, and the emulator
// round trips in milliseconds.
type results struct {
	app, base map[string][]sample
	rtt       []float64
}

// measureRounds runs runs rounds; each round runs every scenario as one
// baseline/app pair (the order alternating between pairs and rounds) and
// times a few emulator round trips.
func measureRounds(ctx context.Context, b *bench, s *setup, runs int, progress io.Writer) (*results, error) {
	res := &results{app: map[string][]sample{}, base: map[string][]sample{}}
	for round := 0; round < runs; round++ {
		fmt.Fprintf(progress, "round %d/%d\n", round+1, runs)
		for i, sc := range s.scenarios {
			app, base, err := b.pair(ctx, sc, (round+i)%2 == 1)
			if err != nil {
				return nil, err
			}
			res.app[sc.key] = append(res.app[sc.key], app)
			res.base[sc.key] = append(res.base[sc.key], base)
		}
		for k := 0; k < roundTripsPerRound; k++ {
			d, err := s.fast.roundTrip(ctx, s.token)
			if err != nil {
				return nil, fmt.Errorf("emulator round trip: %w", err)
			}
			res.rtt = append(res.rtt, ms(d))
		}
	}
	return res, nil
}

// frames returns the frame times of samples in milliseconds.
func frames(ss []sample) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = ms(s.frame)
	}
	return out
}

// firsts returns the app's first-frame times of restore samples in
// milliseconds.
func firsts(ss []sample) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = ms(s.first)
	}
	return out
}

// info turns a row into a diagnostic one, with no target of its own.
func info(r row) row {
	r.target, r.mark = "(diagnostic)", "–"
	return r
}

// memory returns the idle memory of samples in MiB.
func memory(ss []sample) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = float64(s.rssKB) / 1024
	}
	return out
}

// buildRows turns the measurements into the result table.
func buildRows(res *results, gb, gbMemory benchOut, bins binaries) []row {
	f := func(m map[string][]sample, key string) stat { return summarize(frames(m[key])) }
	rtt := summarize(res.rtt)
	restoreMax := rtt.med + restoreSlack
	size := float64(bins.appSize) / float64(bins.helloSize)
	clickTarget := fmt.Sprintf("≤ %+.2f ms", clickDiffMax)
	return []row{
		ratioRow("1. Cold start to first frame (demo, signed out)", f(res.app, "cold"), f(res.base, "cold"), "%.0f", "ms", frameRatioMax),
		ratioRow("2a. First frame, Stytch on a closed port", f(res.app, "closed"), f(res.base, "closed"), "%.0f", "ms", frameRatioMax),
		ratioRow("2b. First frame, Stytch answering after 5 s", f(res.app, "slow"), f(res.base, "slow"), "%.0f", "ms", frameRatioMax),
		diffRow("3. Restore to profile drawn (stored session)", f(res.app, "restore"), f(res.base, "restore"), "%.0f", "ms",
			restoreMax, fmt.Sprintf("≤ %+.2f ms (1 round trip + 20)", restoreMax)),
		{measure: "   one emulator round trip (sessions/authenticate)", app: rtt.cell("%.2f", "ms"), base: "–", cmp: "–", target: "(in 3's target)", mark: "–"},
		info(diffRow("   app's first frame in those runs", summarize(firsts(res.app["restore"])), f(res.base, "restore"), "%.0f", "ms", 0, "")),
		ratioRow("4. Idle memory (RSS, 3 s on the sign-in view)", summarize(memory(res.app["cold"])), summarize(memory(res.base["cold"])), "%.1f", "MiB", rssRatioMax),
		diffRow("5a. Click to signed in, public token (callback vs bare /sdk/v1 call)",
			gb.of(benchCallback, backendPublic), gb.of(benchBare, backendPublic), "%.2f", "ms", clickDiffMax, clickTarget),
		info(diffRow("   same, session kept in memory (no keyring write)",
			gbMemory.of(benchCallback, backendPublic), gbMemory.of(benchBare, backendPublic), "%.2f", "ms", 0, "")),
		diffRow("5b. Click to signed in, stytch-go (callback vs bare /v1 call)",
			gb.of(benchCallback, backendStytchGo), gb.of(benchBare, backendStytchGo), "%.2f", "ms", clickDiffMax, clickTarget),
		info(diffRow("   same, session kept in memory (no keyring write)",
			gbMemory.of(benchCallback, backendStytchGo), gbMemory.of(benchBare, backendStytchGo), "%.2f", "ms", 0, "")),
		{measure: "6. Binary size (stripped)", app: mib(bins.appSize), base: mib(bins.helloSize), cmp: fmt.Sprintf("×%.2f", size), target: "reported", mark: "–"},
		pairedRow("7. Click to signed in, public token vs stytch-go (in memory)",
			gbMemory.of(benchCallback, backendPublic), gbMemory.of(benchCallback, backendStytchGo), gbMemory.paired[benchCallback],
			"%.2f", "ms", pathRatioMax, fmt.Sprintf("≤ ×%.2f (×1.00 + noise)", pathRatioMax)),
		info(pairedRow("   same, session stored in the keyring",
			gb.of(benchCallback, backendPublic), gb.of(benchCallback, backendStytchGo), gb.paired[benchCallback], "%.2f", "ms", 0, "")),
		info(pairedRow("   bare magic_links/authenticate, /sdk/v1 vs /v1",
			gbMemory.of(benchBare, backendPublic), gbMemory.of(benchBare, backendStytchGo), gbMemory.paired[benchBare], "%.2f", "ms", 0, "")),
	}
}
