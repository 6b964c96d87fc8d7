package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// breachUpdate saves the breach form, as PATCH /api/v1/privacy/breaches/{id}
// does (audited by the privacy service).
func (h *Handler) breachUpdate(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBreach(r)
	if err != nil {
		return err
	}
	f := form.NewBreachForm(r)
	in, e := f.Input(h.loc())
	keepExact(f, b, &in, h.loc())
	if len(e) == 0 {
		if _, err = h.Privacy.UpdateBreach(r.Context(), b.ID, in); err == nil {
			return h.redirect(w, r, Prefix+"privacy/breaches/"+strconv.FormatInt(b.ID, 10), "breach.saved")
		}
	}
	return h.breachRefused(w, r, f, e, err, &b)
}

// keepExact keeps the stored moments the form shows unchanged: the form
// writes them to the minute, and saving other fields must not move a
// discovery (and so its deadline) recorded to the second through the API.
func keepExact(f *form.BreachForm, b privacy.Breach, in *privacy.BreachInput, loc *time.Location) {
	shown := form.BreachFormOf(b, loc)
	if in.DiscoveredAt != nil && f.DiscoveredAt == shown.DiscoveredAt {
		in.DiscoveredAt = &b.DiscoveredAt
	}
	if in.AuthorityNotifiedAt != nil && f.AuthorityNotifiedAt == shown.AuthorityNotifiedAt {
		in.AuthorityNotifiedAt = b.AuthorityNotifiedAt
	}
	if in.PeopleNotifiedAt != nil && f.PeopleNotifiedAt == shown.PeopleNotifiedAt {
		in.PeopleNotifiedAt = b.PeopleNotifiedAt
	}
}
