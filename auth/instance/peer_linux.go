package instance

import "golang.org/x/sys/unix"

// sockPeerUID reads the connecting process's uid from SO_PEERCRED.
func sockPeerUID(fd int) (int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}
