package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

// personRoleSave gives a person of the current department another role in it
// (their roles in other departments stay; the last administrator cannot
// be demoted).
func (h *Handler) personRoleSave(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	f := form.NewPersonRoleForm(r)
	if e := f.Validate(); len(e) > 0 {
		return invalid(e)
	}
	if _, err := h.Staff.InDepartment(r.Context(), id); err != nil {
		return err
	}
	if err := h.Staff.SetMembership(r.Context(), id, access.Department(r.Context()), f.Role); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin", "person.role")
}
