// Command hello is the baseline of magiclink's performance benchmark: the
// smallest Fyne program that opens a window like the app's — an app with
// an id, one 480×640 window holding a label, ShowAndRun. It is built with
// the same Fyne version, toolchain and flags as the app, so the difference
// between the two is what magiclink itself costs.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.magiclink.bench.hello")
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello, world!"))
	w.Resize(fyne.NewSize(480, 640))
	w.ShowAndRun()
}
