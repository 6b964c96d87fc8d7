package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

// personSessions lists a person's live sessions working in the current
// department (GET /api/v1/persons/{id}/sessions): a person of another
// department is not found. Sign-out buttons show only when the service
// would end them (not for a person holding permissions the viewer lacks).
func (h *Handler) personSessions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	pe, err := h.Staff.InDepartment(ctx, id)
	if err != nil {
		return err
	}
	ss, err := h.Staff.DepartmentSessions(ctx, pe.ID, access.Department(ctx))
	if err != nil {
		return err
	}
	beyond, err := h.Staff.Unreachable(ctx, []int64{pe.ID}, access.Department(ctx))
	if err != nil {
		return err
	}
	s, _ := sessionFrom(ctx)
	return h.show(w, r, h.newPage(r, "person_sessions", "admin").Set("Person", pe).Set("Sessions", ss).
		Set("Beyond", beyond[pe.ID]).Set("Current", s.SessionID))
}
