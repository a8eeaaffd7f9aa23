package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/magiclink/magiclink/auth"
)

// WCAG 2.2 AA thresholds.
const (
	textContrast = 4.5 // 1.4.3 text
	partContrast = 3.0 // 1.4.11 focus indicators and component boundaries
)

// The app theme's colour pairs meet WCAG 2.2 AA in both variants, on every
// background the app draws them on: the window, the cards, the header, the
// entries, the buttons and the callout tints.
func TestThemeContrast(t *testing.T) {
	for _, f := range contrastFailures(Theme()) {
		t.Error(f)
	}
}

// Fyne's default theme fails the same check where the user saw it fail.
func TestThemeContrast_DefaultThemeFails(t *testing.T) {
	failed := strings.Join(contrastFailures(theme.DefaultTheme()), "\n")
	for _, want := range []string{
		"light: Verified on window", "light: disabled button label (Resend in 0:28)",
		"dark: disabled button label (Resend in 0:28)", "light: primary button label",
	} {
		if !strings.Contains(failed, want) {
			t.Errorf("the default theme passes %q; the check is broken", want)
		}
	}
}

// A focused button, the blue primary one included, shows a ring of
// colorNameFocusRing just outside it; Fyne's own focus tint on the primary
// button is invisible.
func TestFocusRing(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.app.Settings().SetTheme(Theme())
	b := h.ui.signInView().submitB
	r := test.WidgetRenderer(b).(*focusRingRenderer)
	if r.ring.Visible() {
		t.Fatal("ring shown without focus")
	}
	h.ui.focus(b)
	if !r.ring.Visible() {
		t.Fatal("focused primary button shows no ring")
	}
	v := h.app.Settings().ThemeVariant()
	if got, want := toNRGBA(r.ring.StrokeColor), toNRGBA(Theme().Color(colorNameFocusRing, v)); got != want || r.ring.StrokeWidth < 2 {
		t.Fatalf("ring %v width %v, want %v width 2", got, r.ring.StrokeWidth, want)
	}
	if p, s := r.ring.Position(), r.ring.Size(); p.X >= 0 || p.Y >= 0 || s.Width <= b.Size().Width {
		t.Fatalf("ring at %v size %v is not outside the button (%v)", p, s, b.Size())
	}
	h.ui.focus(h.ui.signInView().entry)
	if r.ring.Visible() {
		t.Fatal("ring stays after the focus left")
	}
}

// contrastFailures lists the colour pairs of th below WCAG 2.2 AA.
func contrastFailures(th fyne.Theme) []string {
	var failures []string
	for _, variant := range []struct {
		name string
		v    fyne.ThemeVariant
	}{{"light", theme.VariantLight}, {"dark", theme.VariantDark}} {
		c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, variant.v) }
		tinted := func(n fyne.ThemeColorName, alpha uint8, bg color.Color) color.Color {
			k := toNRGBA(c(n))
			k.A = uint8(uint32(k.A) * uint32(alpha) / 255)
			return over(k, bg)
		}
		bg := over(c(theme.ColorNameBackground), color.Black)
		cardBg := tinted(theme.ColorNameForeground, 0x0c, bg) // card()
		header := over(c(theme.ColorNameHeaderBackground), bg)
		input := over(c(theme.ColorNameInputBackground), cardBg)
		button := over(c(theme.ColorNameButton), cardBg)
		disabledButton := over(c(theme.ColorNameDisabledButton), cardBg)
		primary := over(c(theme.ColorNamePrimary), cardBg)
		banner := tinted(theme.ColorNameWarning, 0x40, bg) // demo banner

		type pair struct {
			what   string
			fg     color.Color
			bg     color.Color
			needed float64
		}
		pairs := []pair{
			{"text on window", c(theme.ColorNameForeground), bg, textContrast},
			{"text on card", c(theme.ColorNameForeground), cardBg, textContrast},
			{"app name on header", c(theme.ColorNameForeground), header, textContrast},
			{"text on demo banner", c(theme.ColorNameForeground), banner, textContrast},
			{"secondary text on window", c(theme.ColorNamePlaceHolder), bg, textContrast},
			{"secondary text on card", c(theme.ColorNamePlaceHolder), cardBg, textContrast},
			{"placeholder in entry", c(theme.ColorNamePlaceHolder), input, textContrast},
			{"Verified on card", c(theme.ColorNameSuccess), cardBg, textContrast},
			{"Verified on window", c(theme.ColorNameSuccess), bg, textContrast},
			{"warning text on card", c(theme.ColorNameWarning), cardBg, textContrast},
			{"warning text on window", c(theme.ColorNameWarning), bg, textContrast},
			{"error text on card", c(theme.ColorNameError), cardBg, textContrast},
			{"error text on window", c(theme.ColorNameError), bg, textContrast},
			{"link on window", c(theme.ColorNameHyperlink), bg, textContrast},
			{"link on card", c(theme.ColorNameHyperlink), cardBg, textContrast},
			{"primary button label", c(theme.ColorNameForegroundOnPrimary), primary, textContrast},
			{"focused primary button label", c(theme.ColorNameForegroundOnPrimary), over(c(theme.ColorNameFocus), primary), textContrast},
			{"button label", c(theme.ColorNameForeground), button, textContrast},
			{"focused button label", c(theme.ColorNameForeground), over(c(theme.ColorNameFocus), button), textContrast},
			{"hovered button label", c(theme.ColorNameForeground), over(c(theme.ColorNameHover), button), textContrast},
			{"disabled button label (Resend in 0:28)", c(theme.ColorNameDisabled), disabledButton, textContrast},
			{"disabled flat button label", c(theme.ColorNameDisabled), cardBg, textContrast},
			{"disabled entry text", c(theme.ColorNameDisabled), input, textContrast},
			{"focus ring on window", c(colorNameFocusRing), bg, partContrast},
			{"focus ring on card", c(colorNameFocusRing), cardBg, partContrast},
			{"focused entry border", c(theme.ColorNamePrimary), cardBg, partContrast},
			{"entry border", c(theme.ColorNameInputBorder), cardBg, partContrast},
		}
		for _, k := range []struct {
			what string
			name fyne.ThemeColorName
		}{{"error", theme.ColorNameError}, {"warning", theme.ColorNameWarning}, {"info", theme.ColorNamePrimary}, {"success", theme.ColorNameSuccess}} {
			// callout(): a 0x2a tint on the window or a card.
			for _, under := range []color.Color{bg, cardBg} {
				pairs = append(pairs, pair{k.what + " callout text", c(theme.ColorNameForeground), tinted(k.name, 0x2a, under), textContrast})
			}
		}
		for _, p := range pairs {
			if got := contrast(p.fg, p.bg); got < p.needed {
				failures = append(failures, fmt.Sprintf("%s: %s %v on %v is %.2f:1, want at least %.1f:1",
					variant.name, p.what, toNRGBA(p.fg), toNRGBA(p.bg), got, p.needed))
			}
		}
	}
	return failures
}
