package console

import (
	"context"
	"errors"
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

// inviteSave accepts an invitation from its link: a new account with the
// password chosen, or, when the invited address has an account, the
// membership when the password is the account's (then they log in as usual).
func (h *Handler) inviteSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewPasswordForm(r)
	l, ok := h.Staff.InvitationByLink(r.Context(), f.Token)
	if !ok || !l.HasAccount {
		return h.passwordSave(w, r, "invite", h.Staff.AcceptInvite)
	}
	p := h.joinView(r, f, l.Membership)
	if f.Password == "" {
		p.setErrs(form.Errors{"password": "login.err.password"})
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	_, err := h.Staff.AcceptInvite(r.Context(), f.Token, f.Password)
	if fe, ok := fieldError(r, err); ok {
		p.Errs = map[string]string{"password": fe[firstKey(fe)]}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"login", "join.done")
}

// resetSave sets a new password from a reset link.
func (h *Handler) resetSave(w http.ResponseWriter, r *http.Request) error {
	return h.passwordSave(w, r, "reset", h.Staff.ResetPassword)
}

// passwordSave uses up the link with the new password (the staff service
// refuses a weak password or a used link, naming the field), then signs
// the person in, or shows the authenticator setup when they asked for it
// or their role needs it. A person who already has a second factor logs
// in with it.
func (h *Handler) passwordSave(w http.ResponseWriter, r *http.Request, kind string,
	use func(ctx context.Context, secret, password string) (staff.Person, error)) error {
	f := form.NewPasswordForm(r)
	p := h.passwordView(r, kind, f)
	if e := f.Validate(); len(e) > 0 {
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	person, err := use(r.Context(), f.Token, f.Password)
	if fe, ok := fieldError(r, err); ok {
		if _, onToken := fe["token"]; onToken {
			fe = map[string]string{"password": p.T("password.err.token")}
		}
		p.Errs = fe
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	if f.TOTP && !person.TOTPEnabled {
		return h.totpSetup(w, r, person, f.Password)
	}
	_, secret, _, err := h.Staff.Login(r.Context(), staff.LoginInput{Email: person.Email, Password: f.Password,
		IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, staff.ErrTOTPSetup):
		return h.totpSetup(w, r, person, f.Password)
	case err != nil:
		return h.redirect(w, r, Prefix+"login", "password.set")
	}
	h.setCookie(w, r, secret)
	return h.redirect(w, r, Prefix, "password.set")
}

// totpSetup starts a second factor for the person with the password they
// have just set and shows its secret with the login form: the first code
// they log in with confirms it.
func (h *Handler) totpSetup(w http.ResponseWriter, r *http.Request, person staff.Person, password string) error {
	setup, err := h.Staff.BeginTOTP(r.Context(), person.ID, password)
	if err != nil {
		return err
	}
	f := &form.LoginForm{Email: person.Email, Next: Prefix}
	return h.show(w, r, h.newPage(r, "totp", "").Set("Setup", setup).Set("Form", f))
}

// resetRequest mails a reset link when the address has an account; the
// answer is the same either way.
func (h *Handler) resetRequest(w http.ResponseWriter, r *http.Request) error {
	f := form.NewResetRequestForm(r)
	if f.Email == "" {
		p := h.newPage(r, "reset_request", "").Set("Form", f)
		p.setErrs(form.Errors{"email": "login.err.email"})
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err := h.Staff.SendReset(r.Context(), f.Email); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"login", "reset.sent")
}
