package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/staff"
)

// inviteShow is the page an invitation link opens: choose a password and,
// optionally, set up an authenticator app; or, when the invited address has
// an account, join the department with the account's password.
func (h *Handler) inviteShow(w http.ResponseWriter, r *http.Request) error {
	f := form.NewPasswordForm(r)
	if l, ok := h.Staff.InvitationByLink(r.Context(), f.Token); ok && l.HasAccount {
		return h.show(w, r, h.joinView(r, f, l.Membership))
	}
	return h.show(w, r, h.passwordView(r, "invite", f))
}

// joinView is the page of a join link: the department and role, and the
// account's password.
func (h *Handler) joinView(r *http.Request, f *form.PasswordForm, m staff.Membership) *page {
	return h.newPage(r, "join", "").Set("Form", f).Set("Membership", m)
}

// resetShow is the page a reset link opens; without a token it asks for
// the address to send a link to.
func (h *Handler) resetShow(w http.ResponseWriter, r *http.Request) error {
	if r.FormValue("token") == "" {
		return h.show(w, r, h.newPage(r, "reset_request", "").Set("Form", form.NewResetRequestForm(r)))
	}
	return h.show(w, r, h.passwordView(r, "reset", form.NewPasswordForm(r)))
}

func (h *Handler) passwordView(r *http.Request, kind string, f *form.PasswordForm) *page {
	return h.newPage(r, "password", "").Set("Form", f).Set("Kind", kind)
}
