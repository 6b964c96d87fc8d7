package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// attributeList lists the hidden contact attributes (data minimisation,
// GDPR art. 5(1)(c)): kept, but shown only to the privacy role; with the
// forms that hide a key and that delete one from every contact. Which keys
// are in use, and how many contacts hold each, is the inventory report's.
func (h *Handler) attributeList(w http.ResponseWriter, r *http.Request) error {
	p, err := h.attributePage(r, &form.AttributeForm{})
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// attributePage is the attributes screen with the hide form f.
func (h *Handler) attributePage(r *http.Request, f *form.AttributeForm) (*page, error) {
	hidden, err := h.Privacy.HiddenAttributes(r.Context())
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "attributes", "privacy").Set("Hidden", hidden).Set("Form", f), nil
}
