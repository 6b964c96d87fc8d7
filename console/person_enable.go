package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// personEnable enables a disabled account again.
func (h *Handler) personEnable(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Staff.OnlyInDepartment(r.Context(), id); err != nil {
		return err
	}
	if err := h.Staff.Enable(r.Context(), id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin", "person.enabled")
}
