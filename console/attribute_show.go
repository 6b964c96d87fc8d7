package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// attributeShow shows a hidden attribute to every role again, as POST
// /api/v1/privacy/attributes/{key}/show does (audited by the privacy
// service).
func (h *Handler) attributeShow(w http.ResponseWriter, r *http.Request) error {
	f := form.NewAttributeForm(r)
	if e := f.Validate(); len(e) > 0 {
		return invalid(e)
	}
	if err := h.Privacy.ShowAttribute(r.Context(), f.Key, actorOf(r)); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"privacy/attributes", "attribute.shown")
}
