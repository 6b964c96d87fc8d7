package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
)

// invitationRevoke ends an open invitation of the current department (as
// the API's DELETE /invitations/{id}): its link stops working.
func (h *Handler) invitationRevoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.Staff.RevokeInvitation(r.Context(), access.Department(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin", "invitation.revoked")
}
