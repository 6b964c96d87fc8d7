package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// inviteShow is the page an invitation link opens: choose a password and,
// optionally, set up an authenticator app.
func (h *Handler) inviteShow(w http.ResponseWriter, r *http.Request) error {
	return h.show(w, r, h.passwordView(r, "invite", form.NewPasswordForm(r)))
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
