package ui

import (
	"fmt"
	"time"
)

// remaining returns how long until t, rounded up to whole seconds, and never
// negative.
func remaining(now, t time.Time) time.Duration {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// clock formats d as m:ss, e.g. "14:59" or "0:27", up to "60:00", so a
// one-hour link counts down 60:00, 59:59 rather than starting at "1:00:00";
// longer times are h:mm:ss.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	if s > 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// dateTime formats t for the profile, in loc, e.g. "Fri, 28 Nov 2025 18:50".
func dateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("Mon, 2 Jan 2006 15:04")
}

// timeOfDay formats t in loc, e.g. "18:50:07".
func timeOfDay(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("15:04:05")
}
