package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// contactErase erases the contact (the privacy service's erasure: personal
// data gone, anonymised statistics kept) and records the ground in the
// audit log (the ground with it).
func (h *Handler) contactErase(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	f := form.NewForgetForm(r)
	if e := f.Validate(); len(e) > 0 {
		p := h.newPage(r, "contact_forget", "contacts").Set("C", c).Set("Grounds", privacy.Grounds).Set("Form", f)
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err := h.Privacy.EraseOnGround(r.Context(), c.ID, privacy.CauseRequest, f.Ground, actorOf(r)); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"contacts", "forget.done")
}
