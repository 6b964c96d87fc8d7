package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/staff"
)

var errRoleBuiltin = errs.Conflict("role_builtin", "shipped roles cannot be changed; create a custom role")

// roleEdit shows a custom role's form with its permissions ticked.
func (h *Handler) roleEdit(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.customRole(r)
	if err != nil {
		return err
	}
	f := &form.RoleForm{Name: ro.Name, Description: ro.Description, Permissions: ro.Permissions}
	return h.show(w, r, h.rolePage(r, f, false))
}

// customRole is the custom role the path names: 404 when there is none,
// 409 for a shipped role.
func (h *Handler) customRole(r *http.Request) (staff.Role, error) {
	roles, err := h.Staff.Roles(r.Context())
	if err != nil {
		return staff.Role{}, err
	}
	for _, ro := range roles {
		if ro.Name == r.PathValue("name") {
			if ro.Builtin {
				return ro, errRoleBuiltin
			}
			return ro, nil
		}
	}
	return staff.Role{}, errNotFound
}
