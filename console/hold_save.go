package console

import (
	"errors"
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
)

// holdSave places a legal hold, as POST /api/v1/privacy/holds does
// (audited by the privacy service). A contact of another department is
// not found, as any contact id of it is.
func (h *Handler) holdSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewHoldForm(r)
	in, e := f.Input(h.loc())
	var err error
	if len(e) == 0 {
		if _, err = h.Privacy.PlaceHold(r.Context(), in, actorOf(r)); err == nil {
			return h.redirect(w, r, Prefix+"privacy/holds", "hold.placed")
		}
		if errors.Is(err, contacts.ErrNotFound) {
			err = errs.Invalid("contact_id", "contact not found")
		}
	}
	all, err := formErrors(r, e, err, func(f string) string { return f })
	if err != nil {
		return err
	}
	p, err := h.holdPage(r, f)
	if err != nil {
		return err
	}
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
