package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/errs"
)

// departmentSave switches the session to another of the person's departments.
func (h *Handler) departmentSave(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PostFormValue("department"), 10, 64)
	if err != nil {
		return errs.Invalid("department", "is not a department")
	}
	s, _ := sessionFrom(r.Context())
	if _, err := h.Staff.SwitchDepartment(r.Context(), s.secret, id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix, "dept.switched")
}
