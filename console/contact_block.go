package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
)

// contactBlock puts the contact's address on the blocklist.
func (h *Handler) contactBlock(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Contacts.Get(r.Context(), id)
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
	return redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(id, 10), "block.done")
}
