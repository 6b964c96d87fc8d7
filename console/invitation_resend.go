package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
)

// invitationResend sends an open invitation of the current department
// again with a new link (as the API's POST /invitations/{id}/resend): the
// link is mailed, or shown to pass on when no mailer is configured.
func (h *Handler) invitationResend(w http.ResponseWriter, r *http.Request) error {
	v, d, err := h.Staff.ResendInvitation(r.Context(), access.Department(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.Mailed {
		return h.redirect(w, r, Prefix+"admin", "invitation.resent")
	}
	return h.show(w, r, h.newPage(r, "invited", "admin").Set("Email", v.Email).Set("Link", d.Link))
}
