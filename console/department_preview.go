package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/identity"
)

// departmentPreview serves a sample mail in the house style given by the
// query (organisation name, logo, colour; empty uses the installation's),
// for the sandboxed preview frame of the identity screen. It stores
// nothing.
func (h *Handler) departmentPreview(w http.ResponseWriter, r *http.Request) error {
	if h.Campaigns == nil {
		return errNotFound
	}
	q := r.URL.Query()
	id := identity.Identity{DepartmentID: access.Department(r.Context()), OrgName: q.Get("org_name"),
		LogoURL: q.Get("logo_url"), PrimaryColor: q.Get("primary_color")}
	s, _ := sessionFrom(r.Context())
	out, err := h.Campaigns.StylePreview(r.Context(), id, s.Lang)
	if err != nil {
		return err
	}
	return writeFrame(w, out.HTML)
}
