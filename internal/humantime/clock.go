package humantime

import (
	"errors"
	"fmt"
	"time"
)

// Times shown to people follow one rule, on screens, in mail and in
// documents: the clock in the organisation's zone with the zone's name,
// and, unless that zone is UTC, the same moment in UTC beside it, so a
// reader never has to guess which clock a time is on.

// Time writes t for a screen or a mail: "2026-03-01 09:00 Europe/Amsterdam
// (2026-03-01 08:00 UTC)", or "2026-03-01 08:00 UTC" when loc is UTC or
// nil. The zero time is "—".
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	const layout = "2006-01-02 15:04"
	if loc == nil || loc.String() == "UTC" {
		return t.UTC().Format(layout) + " UTC"
	}
	return t.In(loc).Format(layout) + " " + loc.String() + " (" + t.UTC().Format(layout) + " UTC)"
}

// ErrSkipped is returned by ParseLocal for a clock time the zone skips:
// when the clocks go forward (2026-03-29 02:30 in Europe/Amsterdam) that
// time never happens.
var ErrSkipped = errors.New("humantime: the clocks skip this time in this zone")

// ParseLocal reads s, written in layout without a zone, as a time on the
// clock of loc (nil: UTC), the one rule for a time a person types on the
// organisation's clock. A time the zone skips when its clocks go forward
// is ErrSkipped, never moved silently; a time that happens twice when the
// clocks go back (2026-10-25 02:30 in Europe/Amsterdam) is the first of
// the two, still on summer time (AmbiguousRule says so to the person). A
// time that does not parse is time.Parse's error.
func ParseLocal(layout, s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	wall, err := time.Parse(layout, s) // the clock as typed, read as UTC
	if err != nil {
		return time.Time{}, err
	}
	var first time.Time
	// The offsets in force around the typed time: one, or two at a change
	// of the clocks.
	for _, probe := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		t := wall.Add(-time.Duration(off) * time.Second).In(loc)
		if sameClock(t, wall) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() {
		return time.Time{}, ErrSkipped
	}
	return first, nil
}

// sameClock reports whether t in its zone shows the date and clock of
// wall (a time read as UTC).
func sameClock(t, wall time.Time) bool {
	y, mo, d := t.Date()
	wy, wmo, wd := wall.Date()
	return y == wy && mo == wmo && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute() && t.Second() == wall.Second()
}

// Zone is the name times in loc are labelled with (a chart's axis, a
// schedule form's default zone): loc's name, "UTC" for nil.
func Zone(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// Clock writes the day and hour of t in loc for a chart's axis, "02-01
// 15:04"; the axis is labelled with Zone(loc).
func Clock(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("02-01 15:04")
}

// monthsNL are the month names in Dutch.
var monthsNL = [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
	"september", "oktober", "november", "december"}

// Date writes the day of t in loc in words in lang ("nl", else English):
// "2 January 2026", "2 januari 2026".
func Date(t time.Time, loc *time.Location, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	month := t.Month().String()
	if lang == "nl" {
		month = monthsNL[t.Month()-1]
	}
	return fmt.Sprintf("%d %s %d", t.Day(), month, t.Year())
}

// Words writes t for a document, in words in lang, by the same rule as
// Time: "2 January 2026, 09:00 Europe/Amsterdam (08:00 UTC)", "2 januari
// 2026, 08:00 UTC"; the UTC side gives its day too when it is another.
func Words(t time.Time, loc *time.Location, lang string) string {
	if loc == nil || loc.String() == "UTC" {
		return Date(t, time.UTC, lang) + ", " + t.UTC().Format("15:04") + " UTC"
	}
	s := Date(t, loc, lang) + ", " + t.In(loc).Format("15:04") + " " + loc.String() + " ("
	if u := Date(t, time.UTC, lang); u != Date(t, loc, lang) {
		s += u + ", "
	}
	return s + t.UTC().Format("15:04") + " UTC)"
}

// ParseDay reads s, a date typed as YYYY-MM-DD, as a day on the clock of
// loc (nil: UTC), the one rule for a date a person types: start is the
// first instant of that day in the zone, end the first instant of the
// next (a day given as "until" lasts through its end). Where the clocks go
// forward at midnight (America/Santiago) that midnight never happens and
// the day starts when the clocks move (01:00); where midnight happens
// twice it starts at the first. A date that does not parse is
// time.Parse's error.
func ParseDay(s string, loc *time.Location) (start, end time.Time, err error) {
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return dayStart(day, loc), dayStart(day.AddDate(0, 0, 1), loc), nil
}

// dayStart is the first instant of the day of wall (midnight read as UTC)
// on the clock of loc.
func dayStart(wall time.Time, loc *time.Location) time.Time {
	if t, err := ParseLocal(time.DateTime, wall.Format(time.DateTime), loc); err == nil {
		return t
	}
	if loc == nil {
		loc = time.UTC
	}
	// Midnight is skipped: on the clock in force before, midnight falls
	// after the change, and the zone in force then began at the change.
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	start, _ := wall.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	return start.In(loc)
}
