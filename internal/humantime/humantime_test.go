package humantime

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		en, nl string
	}{
		{72 * time.Hour, "3 days", "3 dagen"},
		{24 * time.Hour, "24 hours", "24 uur"},
		{time.Hour, "1 hour", "1 uur"},
		{90 * time.Minute, "1 hour and 30 minutes", "1 uur en 30 minuten"},
		{50*time.Hour + time.Minute, "2 days, 2 hours and 1 minute", "2 dagen, 2 uur en 1 minuut"},
		{15 * time.Minute, "15 minutes", "15 minuten"},
		{1500 * time.Millisecond, "1 second", "1 seconde"},
		{0, "0 seconds", "0 seconden"},
		{-time.Hour, "0 seconds", "0 seconden"},
	} {
		if got := Duration(c.d, "en"); got != c.en {
			t.Errorf("Duration(%v, en) = %q, want %q", c.d, got, c.en)
		}
		if got := Duration(c.d, "nl"); got != c.nl {
			t.Errorf("Duration(%v, nl) = %q, want %q", c.d, got, c.nl)
		}
	}
}

func ExampleDuration() {
	fmt.Println(Duration(72*time.Hour, "en"))
	fmt.Println(Duration(90*time.Minute, "nl"))
	// Output:
	// 3 days
	// 1 uur en 30 minuten
}

func TestTimeNamesItsZone(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	late := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{Time(at, ams), "2026-03-01 09:00 Europe/Amsterdam (2026-03-01 08:00 UTC)"},
		{Time(at, time.UTC), "2026-03-01 08:00 UTC"},
		{Time(at, nil), "2026-03-01 08:00 UTC"},
		{Time(time.Time{}, ams), "—"},
		{Words(at, ams, "en"), "1 March 2026, 09:00 Europe/Amsterdam (08:00 UTC)"},
		{Words(at, ams, "nl"), "1 maart 2026, 09:00 Europe/Amsterdam (08:00 UTC)"},
		{Words(late, ams, "en"), "2 March 2026, 00:30 Europe/Amsterdam (1 March 2026, 23:30 UTC)"},
		{Words(at, time.UTC, "nl"), "1 maart 2026, 08:00 UTC"},
		{Date(late, ams, "nl"), "2 maart 2026"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestParseLocalAtAChangeOfTheClocks: a time the clocks skip is refused,
// a time that happens twice is the first (summer time), and every other
// time is read on the zone's clock, also far from a change and in UTC.
func TestParseLocalAtAChangeOfTheClocks(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	const layout = "2006-01-02T15:04"
	for _, c := range []struct {
		in   string
		loc  *time.Location
		want string // UTC; "" for ErrSkipped
	}{
		{"2026-03-29T01:59", ams, "2026-03-29T00:59"},
		{"2026-03-29T02:00", ams, ""},
		{"2026-03-29T02:30", ams, ""},
		{"2026-03-29T03:00", ams, "2026-03-29T01:00"},
		{"2026-10-25T01:59", ams, "2026-10-24T23:59"},
		{"2026-10-25T02:30", ams, "2026-10-25T00:30"}, // the first 02:30, on summer time
		{"2026-10-25T03:00", ams, "2026-10-25T02:00"},
		{"2026-07-01T12:00", ams, "2026-07-01T10:00"},
		{"2026-01-01T12:00", ams, "2026-01-01T11:00"},
		{"2026-03-29T02:30", nil, "2026-03-29T02:30"},
	} {
		got, err := ParseLocal(layout, c.in, c.loc)
		switch {
		case c.want == "" && !errors.Is(err, ErrSkipped):
			t.Errorf("%s in %v: %v, %v; want ErrSkipped", c.in, c.loc, got, err)
		case c.want != "" && (err != nil || got.UTC().Format(layout) != c.want):
			t.Errorf("%s in %v: %v, %v; want %s UTC", c.in, c.loc, got.UTC(), err, c.want)
		}
	}
	if _, err := ParseLocal(layout, "2026-02-30T10:00", ams); err == nil || errors.Is(err, ErrSkipped) {
		t.Errorf("a date that does not exist: %v", err)
	}
}

// TestParseDay: a typed date is the first instant of that day in the
// zone, also where the clocks go forward at midnight (America/Santiago,
// 2026-09-06: 00:00 becomes 01:00) and on the day after a midnight that
// happens twice (2026-04-05 in Santiago: 00:00 back to 23:00 the day
// before); the end is the next day's first instant.
func TestParseDay(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	for _, c := range []struct {
		s          string
		loc        *time.Location
		start, end string // UTC
	}{
		{"2026-09-06", scl, "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"},
		{"2026-09-05", scl, "2026-09-05T04:00:00Z", "2026-09-06T04:00:00Z"},
		{"2026-04-04", scl, "2026-04-04T03:00:00Z", "2026-04-05T04:00:00Z"},
		{"2026-03-29", ams, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"},
		{"2026-01-31", nil, "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"},
	} {
		start, end, err := ParseDay(c.s, c.loc)
		if err != nil {
			t.Fatalf("%s: %v", c.s, err)
		}
		if got := start.UTC().Format(time.RFC3339); got != c.start {
			t.Errorf("%s in %v starts at %s, want %s", c.s, c.loc, got, c.start)
		}
		if got := end.UTC().Format(time.RFC3339); got != c.end {
			t.Errorf("%s in %v ends at %s, want %s", c.s, c.loc, got, c.end)
		}
		if d := start.In(orUTC(c.loc)); d.Format(time.DateOnly) != c.s {
			t.Errorf("%s starts on another day: %s", c.s, d)
		}
	}
	if _, _, err := ParseDay("2026-02-30", nil); err == nil {
		t.Error("2026-02-30 is read as a day")
	}
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
