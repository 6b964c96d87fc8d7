package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// updatePurgeConfirm shows how many contacts the purge would erase now and
// asks to confirm; nothing is erased until the POST.
func (h *Handler) updatePurgeConfirm(w http.ResponseWriter, r *http.Request) error {
	p, c, err := h.campaignPage(r, "update_purge")
	if err != nil {
		return err
	}
	f := form.NewPurgeForm(r)
	p.Set("Form", f)
	in, e := f.Input(h.loc())
	if len(e) > 0 {
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	n, err := h.FollowUps.PurgeCount(r.Context(), c.ID, in)
	if fe, ok := fieldError(r, err); ok {
		p.Errs = fe
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	return h.show(w, r, p.Set("Count", n))
}
