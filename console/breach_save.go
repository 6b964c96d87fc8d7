package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// breachSave records a breach, as POST /api/v1/privacy/breaches does
// (audited by the privacy service).
func (h *Handler) breachSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewBreachForm(r)
	in, e := f.Input(h.loc())
	var b privacy.Breach
	var err error
	if len(e) == 0 {
		if b, err = h.Privacy.RecordBreach(r.Context(), in, actorOf(r)); err == nil {
			return h.redirect(w, r, Prefix+"privacy/breaches/"+strconv.FormatInt(b.ID, 10), "breach.recorded")
		}
	}
	return h.breachRefused(w, r, f, e, err, nil)
}

// breachRefused shows the breach form again with the form's errors e and
// the privacy service's field errors in err (422); another err is returned.
func (h *Handler) breachRefused(w http.ResponseWriter, r *http.Request, f *form.BreachForm, e form.Errors, err error, b *privacy.Breach) error {
	all, err := formErrors(r, e, err, func(f string) string { return f })
	if err != nil {
		return err
	}
	p := h.breachPage(r, f, b)
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
