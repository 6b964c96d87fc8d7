package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

// personSessionRevoke signs a person of the current department out of one
// session working there (DELETE /api/v1/persons/{id}/sessions/{sid}):
// refused for a person holding permissions the administrator lacks; a
// session of another person or department is not found.
func (h *Handler) personSessionRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	sid, err := httpapi.PathID(r, "sid")
	if err != nil {
		return err
	}
	pe, err := h.Staff.InDepartment(ctx, id)
	if err != nil {
		return err
	}
	if err := h.Staff.RevokeDepartmentSession(ctx, sid, pe.ID, access.Department(ctx)); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"admin/people/"+strconv.FormatInt(pe.ID, 10)+"/sessions", "session.revoked")
}
