package form

import (
	"net/http"
	"time"
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
	at, err := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.Time, loc)
	if err != nil {
		e["date"] = "schedule.err.date"
		return e
	}
	f.At = at
	return e
}
