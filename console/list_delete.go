package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// listDeleteConfirm asks before a list is deleted, saying how many
// subscriptions go with it (the contacts stay).
func (h *Handler) listDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.Optin.GetList(r.Context(), id)
	if err != nil {
		return err
	}
	p := h.newPage(r, "list_delete", "lists").Set("L", l).Set("Subscriptions", l.Confirmed+l.Unconfirmed+l.Unsubscribed)
	return h.show(w, r, p)
}

// listDelete deletes a list and its subscriptions, as DELETE
// /api/v1/lists/{id} does.
func (h *Handler) listDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Optin.DeleteList(r.Context(), id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"lists", "list.deleted")
}
