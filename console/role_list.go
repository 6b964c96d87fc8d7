package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
)

// roleList lists the roles: the shipped ones (fixed) and the custom ones,
// which an administrator may edit, with the permissions each grants.
func (h *Handler) roleList(w http.ResponseWriter, r *http.Request) error {
	roles, err := h.Staff.Roles(r.Context())
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "roles", "admin").Set("Roles", roles).Set("Groups", permissionGroups()))
}

// permissionGroup is one group of the permission table, for the role
// editor's fieldsets.
type permissionGroup struct {
	Group access.Group
	Perms []access.Info
}

// permissionGroups is the permission table by group, in its order.
func permissionGroups() []permissionGroup {
	var out []permissionGroup
	for _, i := range access.All {
		if len(out) == 0 || out[len(out)-1].Group != i.Group {
			out = append(out, permissionGroup{Group: i.Group})
		}
		out[len(out)-1].Perms = append(out[len(out)-1].Perms, i)
	}
	return out
}
