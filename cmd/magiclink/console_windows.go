//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// kernel32 has the console functions x/sys/windows does not wrap.
var kernel32 = windows.NewLazySystemDLL("kernel32.dll")

// console is where a program's output goes.
type console struct {
	// heard is whether its output reaches anyone: a console, a file or a
	// pipe.
	heard bool
	// attached is whether that is its parent's console, borrowed.
	attached bool
}

// detach lets go of a borrowed console, so closing that terminal (or
// Ctrl+C at its prompt) no longer ends the app; it reports whether there
// was one.
func (c console) detach() bool {
	if !c.attached {
		return false
	}
	_, _, _ = kernel32.NewProc("FreeConsole").Call()
	return true
}

// attachConsole gives a GUI-subsystem program a terminal to write to.
// Windows starts such a program with no standard output at all, so
// without this `magiclink --help` and the demo inbox line would vanish
// when it is run from cmd.exe or PowerShell. Output its parent already
// redirected (to a file or a pipe) is kept as it is; otherwise the
// program attaches to its parent's console, when it has one, and writes
// there. Started from Explorer there is no console, and the log file is
// where its output goes.
func attachConsole() console {
	if usable(windows.STD_OUTPUT_HANDLE) && usable(windows.STD_ERROR_HANDLE) {
		return console{heard: true}
	}
	attach := kernel32.NewProc("AttachConsole")
	if attach.Find() != nil {
		return console{}
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if r, _, _ := attach.Call(attachParentProcess); r == 0 {
		return console{} // no parent console: started from Explorer or a shortcut
	}
	name, _ := windows.UTF16PtrFromString("CONOUT$")
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return console{}
	}
	if !usable(windows.STD_OUTPUT_HANDLE) {
		_ = windows.SetStdHandle(windows.STD_OUTPUT_HANDLE, h)
		os.Stdout = os.NewFile(uintptr(h), "CONOUT$")
	}
	if !usable(windows.STD_ERROR_HANDLE) {
		_ = windows.SetStdHandle(windows.STD_ERROR_HANDLE, h)
		os.Stderr = os.NewFile(uintptr(h), "CONOUT$")
	}
	return console{heard: true, attached: true}
}

// showStartError puts msg in a message box: started from Explorer, a
// program that cannot start has no other way to say why.
func showStartError(title, msg string) {
	t, _ := windows.UTF16PtrFromString(title)
	text, _ := windows.UTF16PtrFromString(msg)
	_, _ = windows.MessageBox(0, text, t, windows.MB_OK|windows.MB_ICONERROR|windows.MB_SETFOREGROUND)
}

// usable reports whether the standard handle std leads somewhere: a
// console, a file or a pipe.
func usable(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
