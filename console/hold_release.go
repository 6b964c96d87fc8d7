package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// holdRelease ends a legal hold now, as POST
// /api/v1/privacy/holds/{id}/release does (audited by the privacy service).
func (h *Handler) holdRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Privacy.ReleaseHold(r.Context(), id, actorOf(r)); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"privacy/holds", "hold.released")
}
