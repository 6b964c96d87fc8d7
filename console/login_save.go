package console

import (
	"errors"
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/staff"
)

// loginSave checks the login form with the staff service (which counts
// failures and locks out) and sets the session cookie; a refusal comes
// back with 422 and the service's message.
func (h *Handler) loginSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewLoginForm(r)
	p := h.newPage(r, "login", "").Set("Form", f)
	if e := f.Validate(); len(e) > 0 {
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if old, err := r.Cookie(staff.CookieName); err == nil {
		h.Staff.Logout(r.Context(), old.Value)
	}
	_, secret, _, err := h.Staff.Login(r.Context(), staff.LoginInput{Email: f.Email, Password: f.Password, Code: f.Code,
		IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()})
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindForbidden {
		field := "email"
		if errors.Is(err, staff.ErrTOTPRequired) || errors.Is(err, staff.ErrTOTPInvalid) {
			field = "code"
		}
		msg := p.T("login.err." + e.Code)
		if le := (*staff.LockedError)(nil); errors.As(err, &le) {
			msg = p.Tf("login.err.locked", humantime.Duration(le.Wait(), p.Lang))
		}
		p.Errs = map[string]string{field: msg}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	h.setCookie(w, r, secret)
	return h.redirect(w, r, f.Next, "")
}
