package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// demoBanner is the text of the demo-mode banner.
const demoBanner = "Demo mode — emails go to a local inbox"

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
	s.root = container.NewBorder(top, nil, nil, nil, s.scroll)
	return s
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
