package emulator

import (
	"context"
	"net/http"
	"time"
)

// fault is a pending injected failure for one path.
type fault struct {
	failN      int // answer the next failN requests with failStatus
	failStatus int
	malformN   int // then answer the next malformN with a truncated body
}

// FailNext makes the next n requests whose cleaned path equals path (for
// example "/v1/sessions/authenticate") fail with the given 5xx status and a
// JSON body of error_type internal_server_error. A status outside 500..599
// becomes 500. n <= 0 clears the pending failures for path.
func (e *Emulator) FailNext(path string, n int, status int) {
	if status < 500 || status > 599 {
		status = http.StatusInternalServerError
	}
	path = cleanPath(path)
	e.fmu.Lock()
	defer e.fmu.Unlock()
	f := e.faultFor(path)
	f.failN = max(n, 0)
	f.failStatus = status
	e.dropEmptyFault(path)
}

// MalformNext makes the next n requests to path answer 200 with a truncated,
// non-JSON body. n <= 0 clears them.
func (e *Emulator) MalformNext(path string, n int) {
	path = cleanPath(path)
	e.fmu.Lock()
	defer e.fmu.Unlock()
	e.faultFor(path).malformN = max(n, 0)
	e.dropEmptyFault(path)
}

// faultFor returns the fault record of path. Callers must hold e.fmu.
func (e *Emulator) faultFor(path string) *fault {
	f := e.faults[path]
	if f == nil {
		f = &fault{}
		e.faults[path] = f
	}
	return f
}

func (e *Emulator) dropEmptyFault(path string) {
	if f := e.faults[path]; f != nil && f.failN == 0 && f.malformN == 0 {
		delete(e.faults, path)
	}
}

// takeFault consumes one pending fault for path: it returns the 5xx status
// to fail with, or malformed=true, or neither.
func (e *Emulator) takeFault(path string) (status int, malformed bool) {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	f := e.faults[path]
	if f == nil {
		return 0, false
	}
	defer e.dropEmptyFault(path)
	if f.failN > 0 {
		f.failN--
		return f.failStatus, false
	}
	if f.malformN > 0 {
		f.malformN--
		return 0, true
	}
	return 0, false
}

// sleepLatency waits for the configured latency or until ctx ends.
func (e *Emulator) sleepLatency(ctx context.Context) {
	e.fmu.Lock()
	d := e.latency
	e.fmu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// malformedBody is what a malformed-fault answer carries: the start of a
// JSON object, cut off.
const malformedBody = `{"request_id": "request-id-test-trunc`

// allowSend records a send to address and reports whether the per-address
// rate limit still allows it. Callers must hold e.mu.
func (e *Emulator) allowSend(address string) bool {
	if !e.rateLimit {
		return true
	}
	now := e.now()
	window := now.Add(-time.Minute)
	kept := e.sends[address][:0]
	for _, t := range e.sends[address] {
		if t.After(window) {
			kept = append(kept, t)
		}
	}
	if len(kept) >= rateLimitPerMinute {
		e.sends[address] = kept
		return false
	}
	e.sends[address] = append(kept, now)
	return true
}
