package form

import (
	"net/http"
	"strconv"
	"time"

	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/privacy"
)

// HoldForm places a legal hold on one contact or on every contact of the
// department until a day; privacy.HoldInput checks it (the one rule the
// API follows too).
type HoldForm struct {
	// Scope is "contact" (ContactID required) or "all".
	Scope     string
	ContactID string
	// Reason (required) is told to a person whose erasure is refused.
	Reason string
	// Until is the last day of the hold (YYYY-MM-DD, required).
	Until string
}

// NewHoldForm reads the hold form.
func NewHoldForm(r *http.Request) *HoldForm {
	f := &HoldForm{Scope: value(r, "scope"), ContactID: value(r, "contact_id"), Reason: value(r, "reason"), Until: value(r, "until")}
	if f.Scope == "" {
		f.Scope = "contact"
	}
	return f
}

// Input is the domain's input with the form's own errors. The hold lasts
// through its last day on the organisation's clock loc: it ends when the
// next day starts.
func (f *HoldForm) Input(loc *time.Location) (privacy.HoldInput, Errors) {
	e := Errors{}
	in := privacy.HoldInput{Reason: f.Reason, All: f.Scope == "all"}
	switch f.Scope {
	case "all":
	case "contact":
		id, err := strconv.ParseInt(f.ContactID, 10, 64)
		if err != nil || id <= 0 {
			e["contact_id"] = "hold.err.contact"
		}
		in.ContactID = id
	default:
		e["scope"] = "hold.err.scope"
	}
	if f.Reason == "" {
		e["reason"] = "hold.err.reason"
	}
	_, end, err := humantime.ParseDay(f.Until, loc)
	if err != nil {
		e["until"] = "hold.err.until"
	}
	in.Until = end
	return in, e
}
