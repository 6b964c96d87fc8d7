package console

import (
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
	return h.Contacts.Get(r.Context(), id)
}
