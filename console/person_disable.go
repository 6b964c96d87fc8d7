package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// personDisable disables a person's account (their sessions stop at once;
// the last administrator cannot be disabled).
func (h *Handler) personDisable(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Staff.OnlyInDepartment(r.Context(), id); err != nil {
		return err
	}
	if err := h.Staff.Disable(r.Context(), id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin", "person.disabled")
}
