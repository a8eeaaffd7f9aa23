//go:build ci || android || ios || mobile || wasm || js

package main

// setWMClass does nothing without the GLFW driver.
func setWMClass(instance, class string) {}
