package form

import (
	"net/http"
	"time"

	"github.com/postbode/postbode/internal/humantime"

	"github.com/postbode/postbode/optin"
)

// PurgeForm says whom an update mailing's purge erases: the askers, and
// optionally the non-responders after the answer deadline.
type PurgeForm struct {
	NonResponders bool
	// Deadline is a date (YYYY-MM-DD), required with NonResponders.
	Deadline string
}

// NewPurgeForm reads the purge form (from the query on GET, the body on POST).
func NewPurgeForm(r *http.Request) *PurgeForm {
	return &PurgeForm{NonResponders: checked(r, "non_responders"), Deadline: value(r, "deadline")}
}

// Input is the domain's purge input; the deadline is a day on the
// organisation's clock loc, from its first instant (humantime.ParseDay).
func (f *PurgeForm) Input(loc *time.Location) (optin.PurgeInput, Errors) {
	in := optin.PurgeInput{NonResponders: f.NonResponders}
	if f.NonResponders {
		d, _, err := humantime.ParseDay(f.Deadline, loc)
		if err != nil {
			return in, Errors{"deadline": "purge.err.deadline"}
		}
		in.Deadline = &d
	}
	return in, nil
}
