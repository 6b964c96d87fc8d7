package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// attributeHide hides an attribute key from every role but privacy and
// admin, as POST /api/v1/privacy/attributes/{key}/hide does (audited by
// the privacy service).
func (h *Handler) attributeHide(w http.ResponseWriter, r *http.Request) error {
	f := form.NewAttributeForm(r)
	e := f.Validate()
	var err error
	if len(e) == 0 {
		if err = h.Privacy.HideAttribute(r.Context(), f.Key, f.Reason, actorOf(r)); err == nil {
			return h.redirect(w, r, Prefix+"privacy/attributes", "attribute.hidden")
		}
	}
	all, err := formErrors(r, e, err, func(string) string { return "key" })
	if err != nil {
		return err
	}
	p, err := h.attributePage(r, f)
	if err != nil {
		return err
	}
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
