//go:build !darwin

package launch

// handlerArgs are the arguments the registered handler starts the app
// with, before the link: the same deep-link redirect URL, so the process
// the operating system starts validates the link as this one would.
func handlerArgs(redirect string) []string {
	return []string{"--redirect-url", redirect}
}
