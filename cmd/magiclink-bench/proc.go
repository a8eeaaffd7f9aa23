package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one process started by the harness, the leader of its own
// process group.
type proc struct {
	name    string
	cmd     *exec.Cmd
	start   time.Time     // taken just before fork/exec
	done    chan struct{} // closed once the process has exited
	err     error         // Wait's result; valid after done is closed
	errPath string        // file receiving its stderr, "" if none
	outPath string        // file receiving its stdout, "" if none
}

// pid returns the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has already exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitError describes a process that ended while the harness still needed
// it, with the end of its stderr.
func (p *proc) exitError() error {
	msg := fmt.Sprintf("%s exited early (%v)", p.name, p.err)
	if tail := tailFile(p.errPath, 1500); tail != "" {
		msg += "; stderr ends with:\n" + tail
	}
	return errors.New(msg)
}

// procTable tracks every long-running process the harness starts, each in
// a process group of its own, so that all of them can be ended on every
// exit path, including errors and Ctrl+C.
type procTable struct {
	mu    sync.Mutex
	procs []*proc
}

// start starts cmd as the leader of a new process group. The child is
// also sent SIGKILL if the harness dies without cleaning up.
func (t *procTable) start(name string, cmd *exec.Cmd) (*proc, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	if f, ok := cmd.Stderr.(*os.File); ok {
		p.errPath = f.Name()
	}
	if f, ok := cmd.Stdout.(*os.File); ok {
		p.outPath = f.Name()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("could not start %s: %w", name, err)
	}
	t.procs = append(t.procs, p)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop ends p's process group: SIGTERM, then SIGKILL after grace. It
// returns once the leader has exited (or after a last few seconds).
func (t *procTable) stop(p *proc, grace time.Duration) {
	pgid := p.pid()
	if !p.exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
	}
	// Children left in the group (for example services D-Bus activated)
	// go too; ESRCH just means there are none.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, q := range t.procs {
		if q == p {
			t.procs = append(t.procs[:i], t.procs[i+1:]...)
			break
		}
	}
}

// stopAll ends every process still tracked, newest first, in parallel.
func (t *procTable) stopAll() {
	t.mu.Lock()
	ps := append([]*proc(nil), t.procs...)
	t.mu.Unlock()
	var wg sync.WaitGroup
	for i := len(ps) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(p *proc) {
			defer wg.Done()
			t.stop(p, 3*time.Second)
		}(ps[i])
	}
	wg.Wait()
}

// tailFile returns at most the last n bytes of the file at path, trimmed;
// "" when it cannot be read.
func tailFile(path string, n int) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
