package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// roleUpdate replaces a custom role's description and permissions (its
// name stays: people and tokens hold it by name).
func (h *Handler) roleUpdate(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.customRole(r)
	if err != nil {
		return err
	}
	f := form.NewRoleForm(r)
	f.Name = ro.Name
	return h.saveRole(w, r, f, f.Validate(), false)
}
