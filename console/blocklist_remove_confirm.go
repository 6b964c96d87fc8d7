package console

import (
	"net/http"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/httpapi"
)

// blocklistRemoveConfirm asks before an address leaves the blocklist,
// saying that its contact in the department, if any, can be mailed again.
// An entry kept as a hash only (an erased person's suppression) has no
// address to show and cannot be removed here: it keeps a re-import from
// bringing the person back.
func (h *Handler) blocklistRemoveConfirm(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBlock(r)
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "blocklist_remove", "bounces").Set("B", b))
}

// pathBlock is the department's blocklist entry named by the path's id,
// one with an address.
func (h *Handler) pathBlock(r *http.Request) (contacts.Block, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return contacts.Block{}, err
	}
	b, err := h.Contacts.GetBlock(r.Context(), id)
	if err != nil {
		return b, err
	}
	if b.Email == "" {
		return b, errHashOnly
	}
	return b, nil
}
