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
	e := f.Validate()
	var err error
	var v staff.Invitation
	var d staff.Delivery
	if len(e) == 0 {
		v, d, err = h.Staff.InviteAndSend(r.Context(), staff.NewPerson{Email: f.Email, Name: f.Name,
			Role: f.Role, DepartmentID: access.Department(r.Context())})
	}
	if len(e) > 0 || err != nil {
		// The admin screen comes back with what was typed and each error
		// beside its field (ids invite-email, invite-name, invite-role).
		mine := map[string]string{}
		for f, k := range e {
			mine["invite-"+f] = k
		}
		all, ferr := formErrors(r, mine, err, func(f string) string { return "invite-" + f })
		if ferr != nil {
			return ferr
		}
		p, perr := h.adminPage(r)
		if perr != nil {
			return perr
		}
		p.Errs = all
		return h.render(w, r, http.StatusUnprocessableEntity, p.Set("Invite", f))
	}
	if d.Mailed {
		return h.redirect(w, r, Prefix+"admin", "person.invited")
	}
	return h.show(w, r, h.newPage(r, "invited", "admin").Set("Email", v.Email).Set("Link", d.Link))
}
