//go:build !windows

package main

// attachConsole does nothing outside Windows, where a program's output
// goes wherever its parent sent it; it reports true.
func attachConsole() bool { return true }

// showStartError is never needed outside Windows: output is never lost.
func showStartError(title, msg string) {}
