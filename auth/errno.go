package auth

import (
	"errors"
	"syscall"
)

// Windows Sockets reports its own error numbers (WSAE…), which are not
// the syscall.E… constants there; each check below accepts both, so the
// same sentence is shown on every system.
const (
	wsaeNetDown      = syscall.Errno(10050) // WSAENETDOWN
	wsaeNetUnreach   = syscall.Errno(10051) // WSAENETUNREACH
	wsaeAddrInUse    = syscall.Errno(10048) // WSAEADDRINUSE
	wsaeConnRefused  = syscall.Errno(10061) // WSAECONNREFUSED
	wsaeConnTimedOut = syscall.Errno(10060) // WSAETIMEDOUT
)

// isAddrInUse reports whether a listen failed because the port is taken.
func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, wsaeAddrInUse)
}

// isConnRefused reports whether nothing listens at the address dialled.
func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, wsaeConnRefused)
}

// isNetUnreachable reports whether this computer has no route to any
// network (no connection at all).
func isNetUnreachable(err error) bool {
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, wsaeNetUnreach) || errors.Is(err, wsaeNetDown)
}

// isConnTimedOut reports whether a connection attempt timed out in the
// system rather than in the app.
func isConnTimedOut(err error) bool {
	return errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, wsaeConnTimedOut)
}
