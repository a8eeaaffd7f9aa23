package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// demoBanner is the text of the demo-mode banner.
const demoBanner = "Demo mode — emails go to a local inbox"

// minWindowSize is the smallest window every view lays out in without
// clipping; the window cannot be made smaller (the desktop driver takes it
// from the content's MinSize). Below the default height the body scrolls.
var minWindowSize = fyne.NewSize(440, 520)

// defaultWindowSize is the window's size when it opens.
var defaultWindowSize = fyne.NewSize(480, 640)

// shell is the frame around every view: a header with the app icon and
// name, the demo banner, a message area for UI-local problems (such as a
// browser that would not open) and the scrollable body.
type shell struct {
	root    fyne.CanvasObject
	body    *fyne.Container
	scroll  *container.Scroll
	problem *callout
	banner  fyne.CanvasObject
}

func newShell(opts Options) *shell {
	s := &shell{body: container.NewStack(), problem: newCallout(calloutWarning, "")}

	logo := canvas.NewImageFromResource(smallIcon())
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(28))
	name := widget.NewLabelWithStyle(opts.AppName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	header := container.NewStack(
		newTint(theme.ColorNameHeaderBackground, 0xff, 0),
		container.NewPadded(container.NewHBox(logo, name, layout.NewSpacer())),
	)
	top := container.NewVBox(header)
	if opts.Demo {
		text := widget.NewLabelWithStyle(demoBanner, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		text.Wrapping = fyne.TextWrapWord
		s.banner = container.NewStack(newTint(theme.ColorNameWarning, 0x40, 0), text)
		top.Add(s.banner)
	}
	top.Add(widget.NewSeparator())

	pad := theme.Padding() * 4
	page := container.NewVBox(s.problem, s.body)
	inner := container.New(&insetLayout{top: pad, left: pad, bottom: pad, right: pad}, page)
	s.scroll = container.NewVScroll(container.New(&maxWidthLayout{width: 520}, inner))
	floor := canvas.NewRectangle(color.Transparent)
	floor.SetMinSize(minWindowSize)
	s.root = container.NewStack(floor, container.NewBorder(top, nil, nil, nil, s.scroll))
	return s
}

// scrollIntoView scrolls the body so that obj is in view, its bottom edge
// first: after a wrong code, Verify and Resend stay on screen.
func (s *shell) scrollIntoView(obj fyne.CanvasObject) {
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(obj).Y - d.AbsolutePositionForObject(s.scroll.Content).Y
	bottom := top + obj.Size().Height
	view := s.scroll.Size().Height
	off := s.scroll.Offset.Y
	switch {
	case bottom > off+view:
		off = fyne.Min(bottom-view, top)
	case top < off:
		off = top
	default:
		return
	}
	s.scroll.ScrollToOffset(fyne.NewPos(0, fyne.Max(0, off)))
}

// setBody replaces the view shown and clears any UI-local problem.
func (s *shell) setBody(obj fyne.CanvasObject) {
	s.problem.set("")
	s.body.Objects = []fyne.CanvasObject{obj}
	s.body.Refresh()
	s.scroll.ScrollToTop()
}

// showToast shows a UI-local problem above the current view until the view
// changes.
func (s *shell) showToast(msg string) {
	s.problem.set(msg)
}

// relayout lays the whole window out again after widgets were shown or
// hidden. The desktop driver would notice on the next frame; doing it here
// keeps the software canvas used by tests and screenshots exact too.
func (s *shell) relayout() {
	s.root.Refresh()
}
