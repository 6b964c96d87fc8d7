package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// accountSessionRevoke signs one of the person's own sessions out (the
// rule of DELETE /api/v1/auth/sessions/{id}): a session of someone else is
// not found. Signing out this very session is a logout.
func (h *Handler) accountSessionRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	s, _ := sessionFrom(r.Context())
	if err := h.Staff.RevokeSession(r.Context(), id, s.PersonID); err != nil {
		return err
	}
	if id == s.SessionID {
		h.setCookie(w, r, "")
		return h.redirect(w, r, Prefix+"login", "")
	}
	return h.redirect(w, r, Prefix+"account", "session.revoked")
}
