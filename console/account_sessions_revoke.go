package console

import (
	"net/http"
)

// accountSessionsRevoke signs the person out everywhere but here (the
// rule of DELETE /api/v1/auth/sessions): every other session ends.
func (h *Handler) accountSessionsRevoke(w http.ResponseWriter, r *http.Request) error {
	s, _ := sessionFrom(r.Context())
	if _, err := h.Staff.RevokeOtherSessions(r.Context(), s.PersonID, s.SessionID); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"account", "session.others.revoked")
}
