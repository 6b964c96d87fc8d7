package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// attributeDeleteConfirm says how many contacts hold an attribute key and
// asks before it is deleted from all of them: the privacy service's dry
// run (audited as a report, as the API's), nothing is deleted until the
// POST.
func (h *Handler) attributeDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	f := form.NewAttributeForm(r)
	e := f.Validate()
	var err error
	var d privacy.AttributeDeletion
	if len(e) == 0 {
		d, err = h.Privacy.DeleteAttribute(r.Context(), f.Key, privacy.AttributeScope{All: true}, true, actorOf(r))
		if err == nil {
			return h.show(w, r, h.newPage(r, "attribute_delete", "privacy").Set("Form", f).Set("Count", d.Matched))
		}
	}
	// The page's delete form names its key field delete_key (the hide
	// form has key).
	if k, ok := e["key"]; ok {
		e = form.Errors{"delete_key": k}
	}
	all, err := formErrors(r, e, err, func(string) string { return "delete_key" })
	if err != nil {
		return err
	}
	p, err := h.attributePage(r, &form.AttributeForm{})
	if err != nil {
		return err
	}
	p.Set("DeleteKey", f.Key).Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
