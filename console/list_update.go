package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/optin"
)

// listUpdate changes a list's name and description, as PATCH
// /api/v1/lists/{id} does; the slug, purpose and opt-in mode stay.
func (h *Handler) listUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.Optin.GetList(r.Context(), id)
	if err != nil {
		return err
	}
	f := form.NewListForm(r)
	f.Slug = l.Slug
	in := optin.ListInput{Name: &f.Name, Description: &f.Description}
	return h.saveList(w, r, f, f.Validate(false), id, func() error { return in.Validate(false) }, func() error {
		_, err := h.Optin.UpdateList(r.Context(), id, in)
		return err
	})
}
