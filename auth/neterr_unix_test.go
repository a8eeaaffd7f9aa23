package auth

import "syscall"

var (
	errNetUnreachable = syscall.ENETUNREACH
	errConnRefused    = syscall.ECONNREFUSED
)
