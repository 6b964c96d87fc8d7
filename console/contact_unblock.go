package console

import (
	"net/http"
	"strconv"
)

// contactUnblock takes the contact's address off the blocklist.
func (h *Handler) contactUnblock(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	if err := h.Contacts.Unblock(r.Context(), c.Email); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "unblock.done")
}
