package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Targets from issue 6.
const (
	frameRatioMax = 1.10 // cold start and start with Stytch unreachable
	rssRatioMax   = 1.15 // idle memory
	restoreSlack  = 20.0 // ms over baseline first frame + one round trip
	clickDiffMax  = 1.0  // ms between the callback path and bare authenticate
	// pathRatioMax bounds the public-token path against the stytch-go path
	// (measure 7, paired ratio): "no slower" is ×1.00, plus a noise margin
	// of 0.05: in 20 A/A runs (MAGICLINK_BENCH_AA=1: stytch-go against
	// itself, interleaved the same way, -benchtime 100x) the paired ratio
	// spread ×0.962–×1.038, standard deviation 0.022, so 0.05 is about 2.2
	// of them (docs/performance.md).
	pathRatioMax = 1.05
)

// stat summarises a series of measurements.
type stat struct {
	med, min, max float64
	n             int
}

// summarize returns the median, minimum and maximum of xs.
func summarize(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := len(s) / 2
	med := s[mid]
	if len(s)%2 == 0 {
		med = (s[mid-1] + s[mid]) / 2
	}
	return stat{med: med, min: s[0], max: s[len(s)-1], n: len(s)}
}

// cell formats a stat as "median (min–max)" with the given number format
// and unit.
func (s stat) cell(format, unit string) string {
	f := func(v float64) string { return fmt.Sprintf(format, v) }
	return fmt.Sprintf("%s %s (%s–%s)", f(s.med), unit, f(s.min), f(s.max))
}

// row is one line of the result table.
type row struct {
	measure, app, base, cmp, target, mark string
}

// check returns ✓ when ok, ✗ otherwise.
func check(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// ratioRow compares medians as app/baseline against a maximum ratio.
func ratioRow(measure string, app, base stat, format, unit string, limit float64) row {
	r := app.med / base.med
	return row{
		measure: measure,
		app:     app.cell(format, unit),
		base:    base.cell(format, unit),
		cmp:     fmt.Sprintf("×%.2f", r),
		target:  fmt.Sprintf("≤ ×%.2f", limit),
		mark:    check(r <= limit),
	}
}

// diffRow compares medians as app−baseline against a maximum difference.
func diffRow(measure string, app, base stat, format, unit string, limit float64, target string) row {
	d := app.med - base.med
	return row{
		measure: measure,
		app:     app.cell(format, unit),
		base:    base.cell(format, unit),
		cmp:     fmt.Sprintf("%+.2f %s", d, unit),
		target:  target,
		mark:    check(d <= limit),
	}
}

// pairedRow compares two interleaved series by their paired ratio (the
// median of the per-iteration ratios app/baseline) against a maximum.
func pairedRow(measure string, app, base stat, paired float64, format, unit string, limit float64, target string) row {
	return row{
		measure: measure,
		app:     app.cell(format, unit),
		base:    base.cell(format, unit),
		cmp:     fmt.Sprintf("×%.2f paired", paired),
		target:  target,
		mark:    check(paired > 0 && paired <= limit),
	}
}

// printTable writes rows as an aligned Markdown table.
func printTable(w io.Writer, rows []row) {
	head := row{"measure", "app median (min–max)", "baseline median (min–max)", "ratio or difference", "target", "✓/✗"}
	all := append([]row{head}, rows...)
	cols := func(r row) []string { return []string{r.measure, r.app, r.base, r.cmp, r.target, r.mark} }
	width := make([]int, 6)
	for _, r := range all {
		for i, c := range cols(r) {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(cols(head))
	sep := make([]string, 6)
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range rows {
		line(cols(r))
	}
}
