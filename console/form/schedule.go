package form

import (
	"errors"
	"net/http"
	"time"

	"github.com/postbode/postbode/internal/humantime"
)

// ScheduleForm is a send date and time in a time zone.
type ScheduleForm struct {
	Date, Time, Zone string
	// At is the parsed moment (after Validate).
	At time.Time
}

// NewScheduleForm reads the schedule form.
func NewScheduleForm(r *http.Request) *ScheduleForm {
	return &ScheduleForm{Date: value(r, "date"), Time: value(r, "time"), Zone: value(r, "zone")}
}

// Validate parses date, time and zone into At.
func (f *ScheduleForm) Validate() Errors {
	e := Errors{}
	loc, err := time.LoadLocation(f.Zone)
	if f.Zone == "" || err != nil {
		e["zone"] = "schedule.err.zone"
		return e
	}
	// On the zone's clock by the one rule (humantime.ParseLocal): a time
	// the clocks skip is refused, one that happens twice is the first.
	at, err := humantime.ParseLocal("2006-01-02 15:04", f.Date+" "+f.Time, loc)
	if errors.Is(err, humantime.ErrSkipped) {
		e["time"] = "schedule.err.skipped"
		return e
	}
	if err != nil {
		e["date"] = "schedule.err.date"
		return e
	}
	f.At = at
	return e
}
