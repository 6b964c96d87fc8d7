package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// personReset sends a person of the current department (and no other) a
// password reset link through the staff service, as the API's
// POST /persons/{id}/reset: mailed, or shown to pass on when no mailer is
// configured. Refused for a person holding permissions the administrator
// lacks.
func (h *Handler) personReset(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Staff.OnlyInDepartment(r.Context(), id); err != nil {
		return err
	}
	person, d, err := h.Staff.AdminResetAndSend(r.Context(), id)
	if err != nil {
		return err
	}
	if d.Mailed {
		return h.redirect(w, r, Prefix+"admin", "person.reset.sent")
	}
	return h.show(w, r, h.newPage(r, "invited", "admin").Set("Email", person.Email).Set("Link", d.Link).Set("Kind", "reset"))
}
