package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// privacyRequestShow is one request with the fulfil and reject forms
// (fulfilling an erasure erases: the page says so before the POST).
func (h *Handler) privacyRequestShow(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	q, err := h.Privacy.GetRequest(r.Context(), id)
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "privacy_request", "privacy").Set("Q", q))
}
