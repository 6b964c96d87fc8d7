package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
)

// importCreate shows the upload form.
func (h *Handler) importCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := h.importPage(r, &form.ImportForm{Source: "import"})
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// importPage is the upload form page with the lists to choose from.
func (h *Handler) importPage(r *http.Request, f *form.ImportForm) (*page, error) {
	lists, err := h.Optin.ListRefs(r.Context())
	if err != nil {
		return nil, err
	}
	sel := map[int64]bool{}
	for _, id := range f.Lists {
		sel[id] = true
	}
	return h.newPage(r, "import_new", "imports").Set("Form", f).Set("Lists", lists).Set("Selected", sel).
		Set("Sources", contacts.Sources), nil
}
