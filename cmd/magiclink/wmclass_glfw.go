//go:build !ci && !android && !ios && !mobile && !wasm && !js

package main

import "github.com/go-gl/glfw/v3.4/glfw"

// setWMClass names the X11 WM_CLASS (instance, class) of windows created
// after it. Without it GLFW uses the first window title, which no .desktop
// file's StartupWMClass can match. Call it on the main goroutine after the
// first fyne.App.NewWindow (which initialises GLFW) and before Show; Fyne
// never resets these hints. Wayland uses the app id instead.
func setWMClass(instance, class string) {
	glfw.WindowHintString(glfw.X11InstanceName, instance)
	glfw.WindowHintString(glfw.X11ClassName, class)
}
