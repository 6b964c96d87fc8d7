package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/identity"
)

// departmentEdit shows the current department's name and sending identity
// (From domains, house style) with a preview of a sample mail in that
// style.
func (h *Handler) departmentEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := h.Staff.Department(ctx, access.Department(ctx))
	if err != nil {
		return err
	}
	id, err := h.Staff.Identity(ctx, d.ID)
	if err != nil {
		return err
	}
	f := &form.DepartmentForm{Name: d.Name, OrgName: id.OrgName, LogoURL: id.LogoURL, PrimaryColor: id.PrimaryColor,
		Domains: strings.Join(id.Domains, "\n")}
	return h.show(w, r, h.departmentPage(r, f, id))
}

// departmentPage is the identity screen; the preview frame shows shown
// (the saved identity, or the form's when previewing).
func (h *Handler) departmentPage(r *http.Request, f *form.DepartmentForm, shown identity.Identity) *page {
	p := h.newPage(r, "department", "identity").Set("Form", f)
	d, _ := sessionFrom(r.Context())
	p.Set("Slug", "")
	for _, m := range d.Departments {
		if m.DepartmentID == d.DepartmentID {
			p.Set("Slug", m.DepartmentSlug)
		}
	}
	if h.Campaigns != nil {
		q := url.Values{"org_name": {shown.OrgName}, "logo_url": {shown.LogoURL}, "primary_color": {shown.PrimaryColor}}
		p.Set("PreviewURL", Prefix+"admin/department/preview?"+q.Encode())
	}
	return p
}
