package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
)

// contactBlock puts the contact's address on the blocklist.
func (h *Handler) contactBlock(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	f := form.NewBlockForm(r)
	if e := f.Validate(); len(e) > 0 {
		return invalid(e)
	}
	if err := h.Contacts.BlockAddress(r.Context(), c.Email, f.Reason, f.Note); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "block.done")
}
