package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
)

// listEdit shows a list's name and description to change.
func (h *Handler) listEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.Optin.GetList(r.Context(), id)
	if err != nil {
		return err
	}
	f := &form.ListForm{Slug: l.Slug, Name: l.Name, Description: l.Description}
	return h.show(w, r, h.listPage(r, f, l.ID))
}
