package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// roleCreate shows the form of a new custom role.
func (h *Handler) roleCreate(w http.ResponseWriter, r *http.Request) error {
	return h.show(w, r, h.rolePage(r, &form.RoleForm{}, true))
}

// rolePage is the role editor with the permission checkboxes.
func (h *Handler) rolePage(r *http.Request, f *form.RoleForm, isNew bool) *page {
	return h.newPage(r, "role_edit", "admin").Set("Form", f).Set("New", isNew).Set("Groups", permissionGroups())
}
