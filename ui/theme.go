package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// colorNameFocusRing is the outline drawn around a focused button or link.
const colorNameFocusRing fyne.ThemeColorName = "magiclinkFocusRing"

// appTheme is Fyne's default theme with colours that meet WCAG 2.2 AA on
// the app's backgrounds, in both variants: 4.5:1 for text (including the
// success, warning, error, link, secondary and disabled text) and 3:1 for
// focus indicators and input borders. theme_test.go checks every pair.
type appTheme struct{ fyne.Theme }

// Theme returns the app's theme.
func Theme() fyne.Theme { return appTheme{theme.DefaultTheme()} }

// palette holds the colours that differ from Fyne's default theme.
var palette = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNamePrimary:     color.NRGBA{R: 0x1f, G: 0x5f, B: 0xd6, A: 0xff}, // white text 5.7:1
		theme.ColorNameHyperlink:   color.NRGBA{R: 0x1f, G: 0x5f, B: 0xd6, A: 0xff},
		theme.ColorNameSuccess:     color.NRGBA{R: 0x1a, G: 0x7f, B: 0x37, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0x8a, G: 0x5a, B: 0x00, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x6b, G: 0x6b, B: 0x6b, A: 0xff},
		theme.ColorNameDisabled:    color.NRGBA{R: 0x6e, G: 0x6e, B: 0x6e, A: 0xff},
		theme.ColorNameInputBorder: color.NRGBA{R: 0x8a, G: 0x8a, B: 0x8a, A: 0xff},
		colorNameFocusRing:         color.NRGBA{R: 0x1f, G: 0x5f, B: 0xd6, A: 0xff},
	},
	theme.VariantDark: {
		theme.ColorNamePrimary:     color.NRGBA{R: 0x2a, G: 0x6a, B: 0xe6, A: 0xff}, // white text 4.8:1, 3.3:1 on a card
		theme.ColorNameHyperlink:   color.NRGBA{R: 0x6e, G: 0xa8, B: 0xff, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xff, G: 0x6b, B: 0x5e, A: 0xff},
		theme.ColorNameDisabled:    color.NRGBA{R: 0x9a, G: 0x9a, B: 0x9a, A: 0xff},
		theme.ColorNameInputBorder: color.NRGBA{R: 0x6e, G: 0x6e, B: 0x6e, A: 0xff},
		colorNameFocusRing:         color.NRGBA{R: 0x6e, G: 0xa8, B: 0xff, A: 0xff},
	},
}

// Color implements fyne.Theme.
func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if v != theme.VariantLight {
		v = theme.VariantDark
	}
	if c, ok := palette[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}
