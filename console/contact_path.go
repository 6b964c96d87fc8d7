package console

import (
	"context"

	"net/http"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/httpapi"
)

// pathContact is the contact the path names ({id}), in the person's department.
func (h *Handler) pathContact(r *http.Request) (contacts.Contact, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return contacts.Contact{}, err
	}
	return h.visibleContact(r.Context(), id)
}

// visibleContact is a contact as the person may see it: without the hidden
// attributes (data minimisation) unless they hold the privacy export
// permission, as in the API.
func (h *Handler) visibleContact(ctx context.Context, id int64) (contacts.Contact, error) {
	c, err := h.Contacts.Get(ctx, id)
	if err != nil {
		return c, err
	}
	return c, h.Contacts.HideFor(ctx, &c)
}
