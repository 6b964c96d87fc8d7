// Package humantime writes durations for people ("3 days", "72 uur")
// instead of Go's "72h0m0s": every duration a mail, page or message shows
// goes through Duration.
package humantime

import (
	"strings"
	"time"

	"github.com/postbode/postbode/internal/plural"
)

// units are the parts a duration is written in, largest first, with the
// forms of their names in English and Dutch (plural.Pick).
var units = []struct {
	d      time.Duration
	en, nl string
}{
	{24 * time.Hour, "day|days", "dag|dagen"},
	{time.Hour, "hour|hours", "uur|uur"},
	{time.Minute, "minute|minutes", "minuut|minuten"},
	{time.Second, "second|seconds", "seconde|seconden"},
}

// Duration writes d in lang ("nl", else English), rounded down to the
// second: whole days from two days up ("3 days"), below that hours
// ("36 hours"), then the smaller parts that are not zero ("1 hour and 30
// minutes"). Zero or less is "0 seconds".
func Duration(d time.Duration, lang string) string {
	d = max(d, 0)
	var parts []string
	for i, u := range units {
		if u.d == 24*time.Hour && d < 48*time.Hour {
			continue
		}
		n := d / u.d
		if n == 0 && !(i == len(units)-1 && len(parts) == 0) {
			continue
		}
		d -= n * u.d
		forms := u.en
		if lang == "nl" {
			forms = u.nl
		}
		parts = append(parts, plural.Count(int64(n), forms))
	}
	and := " and "
	if lang == "nl" {
		and = " en "
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + and + parts[len(parts)-1]
}
