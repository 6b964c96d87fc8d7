package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// roleSave creates a custom role; a name that is taken (by a shipped or a
// custom role) is refused rather than overwriting that role.
func (h *Handler) roleSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewRoleForm(r)
	e := f.Validate()
	if len(e) == 0 {
		roles, err := h.Staff.Roles(r.Context())
		if err != nil {
			return err
		}
		for _, ro := range roles {
			if ro.Name == f.Name {
				e["name"] = "role.err.exists"
			}
		}
	}
	return h.saveRole(w, r, f, e, true)
}

// saveRole stores the role unless the form has errors e, and shows the
// form again with the errors (422) when the form or the staff service
// refuses it.
func (h *Handler) saveRole(w http.ResponseWriter, r *http.Request, f *form.RoleForm, e form.Errors, isNew bool) error {
	var domain map[string]string
	if len(e) == 0 {
		_, err := h.Staff.SaveRole(r.Context(), f.Name, f.Description, f.Permissions)
		switch fe, ok := fieldError(r, err); {
		case ok:
			domain = fe
		case err != nil:
			return err
		}
	}
	if len(e) > 0 || domain != nil {
		p := h.rolePage(r, f, isNew)
		p.setErrs(e)
		for k, v := range domain {
			p.Errs[k] = v
		}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	return h.redirect(w, r, Prefix+"admin/roles", "role.saved")
}
