package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// tokenRevoke revokes an API token (the service refuses one that may do
// more than the viewer).
func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Staff.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin", "token.revoked")
}
