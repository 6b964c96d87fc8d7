package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
)

// contactUnblock takes the contact's address off the blocklist.
func (h *Handler) contactUnblock(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Contacts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.Contacts.Unblock(r.Context(), c.Email); err != nil {
		return err
	}
	return redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(id, 10), "unblock.done")
}
