package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// button is a widget.Button that also activates on Enter/Return (Fyne's
// button only takes Space), forwards Escape to the view and shows a focus
// ring.
type button struct {
	widget.Button
	onEscape func()
	focus    focusState
}

func newButton(label string, icon fyne.Resource, imp widget.Importance, tapped func()) *button {
	b := &button{}
	b.Text, b.Icon, b.Importance, b.OnTapped = label, icon, imp, tapped
	b.ExtendBaseWidget(b)
	return b
}

// CreateRenderer adds the focus ring to the button's renderer.
func (b *button) CreateRenderer() fyne.WidgetRenderer {
	return withFocusRing(b.Button.CreateRenderer(), &b.focus, b.Theme)
}

// FocusGained implements fyne.Focusable.
func (b *button) FocusGained() { b.focus.on = true; b.Button.FocusGained() }

// FocusLost implements fyne.Focusable.
func (b *button) FocusLost() { b.focus.on = false; b.Button.FocusLost() }

// TypedKey activates the button on Space, Enter and Return.
func (b *button) TypedKey(ev *fyne.KeyEvent) { activationKey(ev, b.onEscape, b.Button.TypedKey) }

// activationKey gives Enter and Return the meaning Fyne gives Space on a
// button or link (activate it), runs onEscape (if any) on Escape, and hands
// every other key to forward, the widget's own TypedKey.
func activationKey(ev *fyne.KeyEvent, onEscape func(), forward func(*fyne.KeyEvent)) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		forward(&fyne.KeyEvent{Name: fyne.KeySpace})
	case fyne.KeyEscape:
		if onEscape != nil {
			onEscape()
		}
	default:
		forward(ev)
	}
}

// setEnabled enables or disables the button.
func (b *button) setEnabled(on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// quitShortcut quits the app: Ctrl+Q, or Cmd+Q on macOS.
var quitShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}

// isQuit reports whether s is the quit shortcut.
func isQuit(s fyne.Shortcut) bool { return s.ShortcutName() == quitShortcut.ShortcutName() }

// textEntry is a widget.Entry that passes the quit shortcut on: the desktop
// driver gives every shortcut to the focused entry, which would swallow it.
type textEntry struct {
	widget.Entry
	quit func()
}

func newTextEntry(quit func()) *textEntry {
	e := &textEntry{quit: quit}
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut quits on the quit shortcut and hands the rest to the entry.
func (e *textEntry) TypedShortcut(s fyne.Shortcut) {
	if isQuit(s) && e.quit != nil {
		e.quit()
		return
	}
	e.Entry.TypedShortcut(s)
}

// selectAll selects the whole text, so typing replaces it.
func (e *textEntry) selectAll() { e.Entry.TypedShortcut(&fyne.ShortcutSelectAll{}) }

// link is a widget.Hyperlink that runs an action and also activates on
// Enter/Return.
type link struct {
	widget.Hyperlink
	onEscape func()
	focus    focusState
}

func newLink(text string, tapped func()) *link {
	l := &link{}
	l.Text, l.OnTapped = text, tapped
	l.Wrapping = fyne.TextWrapWord
	l.ExtendBaseWidget(l)
	return l
}

// CreateRenderer adds the focus ring to the link's renderer.
func (l *link) CreateRenderer() fyne.WidgetRenderer {
	return withFocusRing(l.Hyperlink.CreateRenderer(), &l.focus, l.Theme)
}

// FocusGained implements fyne.Focusable.
func (l *link) FocusGained() { l.focus.on = true; l.Hyperlink.FocusGained() }

// FocusLost implements fyne.Focusable.
func (l *link) FocusLost() { l.focus.on = false; l.Hyperlink.FocusLost() }

// focusState records whether a widget has the keyboard focus.
type focusState struct{ on bool }

// focusRingGap is how far outside the widget its focus ring is drawn, so
// the ring stands against the background, not the widget's own fill (Fyne
// only tints a focused button, which on the blue primary button is
// invisible: 34,111,247 against 41,111,246).
const focusRingGap = 3

// focusRingRenderer draws a 2 px ring in colorNameFocusRing around a
// focused widget.
type focusRingRenderer struct {
	fyne.WidgetRenderer
	ring  *canvas.Rectangle
	state *focusState
	theme func() fyne.Theme
}

func withFocusRing(r fyne.WidgetRenderer, state *focusState, th func() fyne.Theme) fyne.WidgetRenderer {
	ring := canvas.NewRectangle(color.Transparent)
	ring.StrokeWidth = 2
	f := &focusRingRenderer{WidgetRenderer: r, ring: ring, state: state, theme: th}
	f.apply()
	return f
}

func (r *focusRingRenderer) apply() {
	th := r.theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	c := th.Color(colorNameFocusRing, v)
	if c == nil || isTransparent(c) { // a theme without the ring colour
		c = th.Color(theme.ColorNamePrimary, v)
	}
	r.ring.StrokeColor = c
	r.ring.CornerRadius = th.Size(theme.SizeNameInputRadius) + focusRingGap
	r.ring.Hidden = !r.state.on
}

func isTransparent(c color.Color) bool { _, _, _, a := c.RGBA(); return a == 0 }

// Layout lays the widget out and puts the ring just outside it.
func (r *focusRingRenderer) Layout(s fyne.Size) {
	r.WidgetRenderer.Layout(s)
	r.ring.Move(fyne.NewPos(-focusRingGap, -focusRingGap))
	r.ring.Resize(s.AddWidthHeight(2*focusRingGap, 2*focusRingGap))
}

// Objects are the widget's objects and the ring on top.
func (r *focusRingRenderer) Objects() []fyne.CanvasObject {
	objs := r.WidgetRenderer.Objects()
	return append(objs[:len(objs):len(objs)], r.ring)
}

// Refresh follows focus and theme changes.
func (r *focusRingRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	r.apply()
	r.ring.Refresh()
}

// TypedKey activates the link on Space, Enter and Return.
func (l *link) TypedKey(ev *fyne.KeyEvent) { activationKey(ev, l.onEscape, l.Hyperlink.TypedKey) }

// tint is a rounded rectangle filled with a translucent theme colour; it
// follows theme changes.
type tint struct {
	widget.BaseWidget
	colorName fyne.ThemeColorName
	alpha     uint8 // 255 = opaque theme colour
	radius    float32
	circle    bool
	rect      *canvas.Rectangle
}

func newTint(name fyne.ThemeColorName, alpha uint8, radius float32) *tint {
	t := &tint{colorName: name, alpha: alpha, radius: radius, rect: canvas.NewRectangle(color.Transparent)}
	t.ExtendBaseWidget(t)
	t.apply()
	return t
}

func (t *tint) apply() {
	th := t.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r, g, b, a := th.Color(t.colorName, v).RGBA()
	alpha := uint32(t.alpha) * (a >> 8) / 255
	if a == 0 {
		t.rect.FillColor = color.Transparent
	} else {
		// RGBA returns premultiplied values; convert back to straight colour.
		t.rect.FillColor = color.NRGBA{R: uint8(r * 255 / a), G: uint8(g * 255 / a), B: uint8(b * 255 / a), A: uint8(alpha)}
	}
	t.rect.CornerRadius = t.radius
	if t.circle {
		t.rect.CornerRadius = fyne.Min(t.Size().Width, t.Size().Height) / 2
	}
}

// Refresh re-reads the theme colour.
func (t *tint) Refresh() {
	t.apply()
	t.BaseWidget.Refresh()
}

// Resize keeps a circle round.
func (t *tint) Resize(s fyne.Size) {
	t.BaseWidget.Resize(s)
	if t.circle {
		t.apply()
		t.rect.Refresh()
	}
}

// CreateRenderer implements fyne.Widget.
func (t *tint) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.rect)
}

// calloutKind selects a callout's colour and icon.
type calloutKind int

const (
	calloutError calloutKind = iota
	calloutWarning
	calloutInfo
	calloutSuccess
)

// callout is a tinted box with an icon and a wrapped message, used for
// errors, notices and hints shown in place.
type callout struct {
	widget.BaseWidget
	bg    *tint
	icon  *widget.Icon
	label *widget.Label
}

func newCallout(kind calloutKind, text string) *callout {
	name, icon := theme.ColorNameError, theme.ErrorIcon()
	switch kind {
	case calloutWarning:
		name, icon = theme.ColorNameWarning, theme.WarningIcon()
	case calloutInfo:
		name, icon = theme.ColorNamePrimary, theme.InfoIcon()
	case calloutSuccess:
		name, icon = theme.ColorNameSuccess, theme.ConfirmIcon()
	}
	c := &callout{
		bg:    newTint(name, 0x2a, theme.InputRadiusSize()*1.5),
		icon:  widget.NewIcon(theme.NewColoredResource(icon, name)),
		label: widget.NewLabel(text),
	}
	c.label.Wrapping = fyne.TextWrapWord
	c.ExtendBaseWidget(c)
	if text == "" {
		c.Hide()
	}
	return c
}

// set shows text, or hides the callout when text is empty.
func (c *callout) set(text string) {
	if text == "" {
		c.Hide()
		return
	}
	c.label.SetText(text)
	c.Show()
}

// text returns the message shown.
func (c *callout) text() string {
	if !c.Visible() {
		return ""
	}
	return c.label.Text
}

// CreateRenderer implements fyne.Widget.
func (c *callout) CreateRenderer() fyne.WidgetRenderer {
	// Line the icon up with the label's first line of text.
	top := theme.InnerPadding() + (theme.TextSize()*1.3-theme.IconInlineSize())/2
	iconBox := container.New(&insetLayout{top: top, left: theme.Padding() * 2}, container.NewVBox(c.icon))
	body := container.NewBorder(nil, nil, iconBox, nil, c.label)
	return widget.NewSimpleRenderer(container.NewStack(c.bg, container.New(&insetLayout{left: 2, right: 4}, body)))
}

// insetLayout pads its single child by fixed amounts.
type insetLayout struct{ top, left, bottom, right float32 }

func (l *insetLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(l.left, l.top))
		o.Resize(fyne.NewSize(fyne.Max(0, s.Width-l.left-l.right), fyne.Max(0, s.Height-l.top-l.bottom)))
	}
}

func (l *insetLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m.Add(fyne.NewSize(l.left+l.right, l.top+l.bottom))
}

// maxWidthLayout centres its children horizontally and caps their width.
type maxWidthLayout struct{ width float32 }

func (l *maxWidthLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	w := fyne.Min(s.Width, l.width)
	for _, o := range objs {
		o.Move(fyne.NewPos((s.Width-w)/2, 0))
		o.Resize(fyne.NewSize(w, s.Height))
	}
}

func (l *maxWidthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

// heading is a large bold title.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// para is a wrapped body paragraph.
func para(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// caption is small secondary text in the theme's placeholder colour,
// which stays readable in light and dark themes.
func caption(text string) *widget.RichText {
	return muted(text, theme.SizeNameCaptionText)
}

// muted is wrapped secondary text of the given size.
func muted(text string, size fyne.ThemeSizeName) *widget.RichText {
	return mutedAligned(text, size, fyne.TextAlignLeading)
}

// mutedAligned is muted text with an alignment.
func mutedAligned(text string, size fyne.ThemeSizeName, align fyne.TextAlign) *widget.RichText {
	rt := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		Alignment: align,
		ColorName: theme.ColorNamePlaceHolder,
		SizeName:  size,
		Inline:    true,
	}})
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// emphasis is wrapped body text with a bold middle part; set it with
// setEmphasis.
func emphasis() *widget.RichText {
	plain := widget.RichTextStyleInline
	bold := widget.RichTextStyleStrong
	rt := widget.NewRichText(
		&widget.TextSegment{Style: plain},
		&widget.TextSegment{Style: bold},
		&widget.TextSegment{Style: plain},
	)
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// setEmphasis shows before + bold(strong) + after, in the given colour
// (empty for the normal foreground).
func setEmphasis(rt *widget.RichText, before, strong, after string, color fyne.ThemeColorName) {
	texts := []string{before, strong, after}
	changed := false
	for i, seg := range rt.Segments {
		ts := seg.(*widget.TextSegment)
		if ts.Text != texts[i] || ts.Style.ColorName != color {
			ts.Text, ts.Style.ColorName = texts[i], color
			changed = true
		}
	}
	if changed {
		rt.Refresh()
	}
}

// setMuted replaces the text of a caption or muted text.
func setMuted(rt *widget.RichText, text string) {
	if seg, ok := rt.Segments[0].(*widget.TextSegment); ok && seg.Text != text {
		seg.Text = text
		rt.Refresh()
	}
}

// fieldLabel is the bold label above a form field.
func fieldLabel(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// card is a panel with a subtle background and rounded corners.
func card(objs ...fyne.CanvasObject) fyne.CanvasObject {
	bg := newTint(theme.ColorNameForeground, 0x0c, theme.InputRadiusSize()*2)
	pad := theme.Padding() * 2
	return container.NewStack(bg, container.New(&insetLayout{top: pad, left: pad, bottom: pad, right: pad}, container.NewVBox(objs...)))
}

// vspace is vertical blank space of height h.
func vspace(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return r
}

// initials returns up to two capital letters for an avatar.
func initials(name, email string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		out = append(out, []rune(strings.ToUpper(f))[0])
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		local, _, _ := strings.Cut(email, "@")
		if r := []rune(strings.ToUpper(local)); len(r) > 0 {
			out = append(out, r[0])
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}
