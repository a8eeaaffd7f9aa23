package ui

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/magiclink/magiclink/auth"
)

// viewModel is the one bridge between the engine's goroutines and the Fyne
// goroutine (the pattern of rymdport's internal/transport/bridge).
//
// publish may be called from any goroutine: it stores the snapshot and, if
// no hand-over is already queued, schedules one with fyne.Do. The hand-over
// applies only the latest snapshot, so a burst of updates renders once and
// the newest state always wins. The view-model also owns the one-second
// ticker that refreshes countdowns while a view needs it.
type viewModel struct {
	render  func(auth.Snapshot) // UI goroutine only
	onTick  func()              // UI goroutine only
	every   func(time.Duration, func()) func()
	mu      sync.Mutex
	latest  auth.Snapshot
	pending bool
	closed  bool
	cancel  func()

	stopTick func() // UI goroutine only
}

func newViewModel(render func(auth.Snapshot), onTick func(), every func(time.Duration, func()) func()) *viewModel {
	return &viewModel{render: render, onTick: onTick, every: every}
}

// bind subscribes to eng. Call it once, on the Fyne goroutine.
func (vm *viewModel) bind(eng Engine) {
	cancel := eng.Subscribe(vm.publish)
	vm.mu.Lock()
	closed := vm.closed
	vm.cancel = cancel
	vm.mu.Unlock()
	if closed && cancel != nil {
		cancel()
	}
}

// publish records s as the latest state and schedules rendering on the Fyne
// goroutine. Safe for concurrent use.
func (vm *viewModel) publish(s auth.Snapshot) {
	vm.mu.Lock()
	if vm.closed {
		vm.mu.Unlock()
		return
	}
	vm.latest = s
	queued := vm.pending
	vm.pending = true
	vm.mu.Unlock()
	if !queued {
		fyne.Do(vm.flush)
	}
}

// flush renders the latest snapshot. It runs on the Fyne goroutine.
func (vm *viewModel) flush() {
	vm.mu.Lock()
	s, closed := vm.latest, vm.closed
	vm.pending = false
	vm.mu.Unlock()
	if !closed {
		vm.render(s)
	}
}

// setTicking starts or stops the one-second ticker. UI goroutine only.
func (vm *viewModel) setTicking(on bool) {
	switch {
	case on && vm.stopTick == nil && !vm.isClosed():
		vm.stopTick = vm.every(time.Second, func() {
			if vm.stopTick != nil && !vm.isClosed() {
				vm.onTick()
			}
		})
	case !on && vm.stopTick != nil:
		vm.stopTick()
		vm.stopTick = nil
	}
}

func (vm *viewModel) isClosed() bool {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.closed
}

// close unsubscribes and stops the ticker. Call it on the Fyne goroutine.
func (vm *viewModel) close() {
	vm.mu.Lock()
	if vm.closed {
		vm.mu.Unlock()
		return
	}
	vm.closed = true
	cancel := vm.cancel
	vm.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if vm.stopTick != nil {
		vm.stopTick()
		vm.stopTick = nil
	}
}

// everyOnUI calls f on the Fyne goroutine every d until stop is called.
func everyOnUI(d time.Duration, f func()) (stop func()) {
	t := time.NewTicker(d)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				fyne.Do(f)
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.Stop()
			close(done)
		})
	}
}
