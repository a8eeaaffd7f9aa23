//go:build unix && !linux && !darwin && !freebsd

package instance

// sockPeerUID reports -1: no peer credentials are read on this platform,
// and the socket's 0700 directory alone keeps other users out.
func sockPeerUID(int) (int, error) { return -1, nil }
