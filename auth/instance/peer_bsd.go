//go:build darwin || freebsd

package instance

import "golang.org/x/sys/unix"

// sockPeerUID reads the connecting process's uid from LOCAL_PEERCRED.
func sockPeerUID(fd int) (int, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}
