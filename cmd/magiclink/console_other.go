//go:build !windows

package main

// console is where a program's output goes: outside Windows, wherever its
// parent sent it.
type console struct{ heard bool }

// detach has nothing to let go of outside Windows.
func (console) detach() bool { return false }

// attachConsole does nothing outside Windows.
func attachConsole() console { return console{heard: true} }

// showStartError is never needed outside Windows: output is never lost.
func showStartError(title, msg string) {}
