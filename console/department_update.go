package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/identity"
)

// departmentUpdate saves the current department's name and sending
// identity, or (the Preview button) shows the form's house style in the
// preview frame without saving. Invalid fields come back with 422, each
// named, and the frame keeps showing the saved style.
func (h *Handler) departmentUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	dept := access.Department(ctx)
	f := form.NewDepartmentForm(r)
	id := f.Identity(dept)
	p := h.departmentPage(r, f, id)
	p.setErrs(f.Validate())
	// The department's name follows the rule of every name (the staff
	// service checks it again): checked before anything is saved.
	if fe, ok := fieldError(r, errs.Name("name", f.Name)); ok && p.Errs["name"] == "" {
		p.Errs["name"] = fe["name"]
	}
	if err := id.Validate(); err != nil && !identityError(p, err) {
		return err
	}
	if len(p.Errs) == 0 && !f.Preview {
		if _, err := h.Staff.SaveIdentity(ctx, id); err != nil && !identityError(p, err) {
			return err
		}
	}
	if len(p.Errs) > 0 {
		saved, err := h.Staff.Identity(ctx, dept)
		if err != nil {
			return err
		}
		q := h.departmentPage(r, f, saved)
		q.Errs = p.Errs
		return h.render(w, r, http.StatusUnprocessableEntity, q)
	}
	if f.Preview {
		return h.show(w, r, p.Set("Previewing", true))
	}
	d, err := h.Staff.Department(ctx, dept)
	if err != nil {
		return err
	}
	if d.Name != f.Name {
		d.Name = f.Name
		if _, err := h.Staff.SaveDepartment(ctx, d); err != nil {
			return err
		}
	}
	return h.redirect(w, r, Prefix+"admin/department", "dept.saved")
}

// identityError puts an error of the sending identity (an invalid field,
// or a domain another department owns or sends from) on its field, translated; false
// for any other error.
func identityError(p *page, err error) bool {
	var e *errs.Error
	if !errors.As(err, &e) || e.Field == "" || (e.Kind != errs.KindInvalid && e.Kind != errs.KindConflict) {
		return false
	}
	field, _, _ := strings.Cut(e.Field, "[")
	key := "dept.err." + field
	if e.Kind == errs.KindConflict {
		key = "dept.err.taken"
	}
	msg := p.T(key)
	switch {
	case e.Code == identity.CodeInUse:
		// Says why the domain cannot be claimed, without naming the
		// department that sends from it.
		msg = p.Msg(e.Message)
	case msg == key:
		msg = e.Message
	case field == "domains":
		msg += " (" + e.Message + ")"
	case field == "org_name": // a name: the rule's own reason, translated
		msg = trMsg(p.Lang, e.Message)
	}
	p.Errs[field] = msg
	return true
}
