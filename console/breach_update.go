package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
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
	if len(e) == 0 {
		if _, err = h.Privacy.UpdateBreach(r.Context(), b.ID, in); err == nil {
			return redirect(w, r, Prefix+"privacy/breaches/"+strconv.FormatInt(b.ID, 10), "breach.saved")
		}
	}
	return h.breachRefused(w, r, f, e, err, &b)
}
