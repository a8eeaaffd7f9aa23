package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// text returns the visible text of a label, rich text or callout.
func text(o fyne.CanvasObject) string {
	switch w := o.(type) {
	case *widget.Label:
		return w.Text
	case *widget.RichText:
		return w.String()
	case *callout:
		return w.text()
	}
	panic("text: unsupported object")
}

func wantText(t *testing.T, what string, o fyne.CanvasObject, want string) {
	t.Helper()
	if got := text(o); got != want {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func wantVisible(t *testing.T, what string, o fyne.CanvasObject, visible bool) {
	t.Helper()
	if isShown(o) != visible {
		t.Fatalf("%s visible = %v, want %v", what, !visible, visible)
	}
}

// isShown reports whether o is in the current window content with it and
// all its ancestors visible.
func isShown(o fyne.CanvasObject) bool {
	w := fyne.CurrentApp().Driver().AllWindows()
	for _, win := range w {
		if found, vis := walkFind(win.Content(), o); found {
			return vis
		}
	}
	return false
}

func walkFind(root, target fyne.CanvasObject) (found, visible bool) {
	if root == target {
		return true, root.Visible()
	}
	var children []fyne.CanvasObject
	switch r := root.(type) {
	case *fyne.Container:
		children = r.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(r).Objects()
	}
	for _, c := range children {
		if f, v := walkFind(c, target); f {
			return true, v && root.Visible()
		}
	}
	return false, false
}

func (h *harness) wantTitle(want string) {
	h.t.Helper()
	if got := h.ui.Window().Title(); got != want {
		h.t.Fatalf("title = %q, want %q", got, want)
	}
}

func (h *harness) wantCalls(want ...string) {
	h.t.Helper()
	if got := h.eng.Calls(); !slices.Equal(got, want) {
		h.t.Fatalf("engine calls = %v, want %v", got, want)
	}
}

func (h *harness) wantFocused(want fyne.Focusable) {
	h.t.Helper()
	if got := h.ui.Window().Canvas().Focused(); got != want {
		h.t.Fatalf("focused = %T %p, want %T %p", got, got, want, want)
	}
}

func (h *harness) wantView(want view) {
	h.t.Helper()
	if h.ui.current != want {
		h.t.Fatalf("view = %T, want %T", h.ui.current, want)
	}
}

// key sends a key press to the focused widget, or to the window when
// nothing has focus, as the desktop driver does.
func (h *harness) key(name fyne.KeyName) {
	c := h.ui.Window().Canvas()
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	c.OnTypedKey()(ev)
}

// tab moves the focus like the Tab key.
func (h *harness) tab() fyne.Focusable {
	c := h.ui.Window().Canvas()
	c.FocusNext()
	return c.Focused()
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
