package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// personTOTPRemove removes the second factor of a person of the current
// department only (a lost phone); their sessions end. Refused for a person
// holding permissions the administrator lacks.
func (h *Handler) personTOTPRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Staff.OnlyInDepartment(r.Context(), id); err != nil {
		return err
	}
	if err := h.Staff.DisableTOTP(r.Context(), id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin", "person.totp.removed")
}
