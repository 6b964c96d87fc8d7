package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// personInvite invites an address into the current department through the
// staff service (the path the API's invitation takes): the link is mailed,
// or shown to the administrator when no mailer is configured. The answer
// is the same whether or not the address has an account elsewhere.
func (h *Handler) personInvite(w http.ResponseWriter, r *http.Request) error {
	f := form.NewInviteForm(r)
	if e := f.Validate(); len(e) > 0 {
		return invalid(e)
	}
	v, d, err := h.Staff.InviteAndSend(r.Context(), staff.NewPerson{Email: f.Email, Name: f.Name,
		Role: f.Role, DepartmentID: access.Department(r.Context())})
	if err != nil {
		return err
	}
	if d.Mailed {
		return redirect(w, r, Prefix+"admin", "person.invited")
	}
	return h.show(w, r, h.newPage(r, "invited", "admin").Set("Email", v.Email).Set("Link", d.Link))
}
