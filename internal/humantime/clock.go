package humantime

import (
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
