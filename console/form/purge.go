package form

import (
	"net/http"
	"time"

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

// Input is the domain's purge input.
func (f *PurgeForm) Input() (optin.PurgeInput, Errors) {
	in := optin.PurgeInput{NonResponders: f.NonResponders}
	if f.NonResponders {
		d, err := time.Parse("2006-01-02", f.Deadline)
		if err != nil {
			return in, Errors{"deadline": "purge.err.deadline"}
		}
		in.Deadline = &d
	}
	return in, nil
}
