package console

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/postbode/postbode/console/form"
)

// loginSave checks the login form with the staff service and sets the
// session cookie; wrong credentials come back with 422 and one message.
func (h *Handler) loginSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewLoginForm(r)
	p := h.newPage(r, "login", "").Set("Form", f)
	if e := f.Validate(); len(e) > 0 {
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	secret, err := h.Staff.Login(r.Context(), f.Email, f.Password, f.Code, ip, r.UserAgent())
	if errors.Is(err, ErrLogin) {
		p.Errs = map[string]string{"email": p.T("login.err.wrong")}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	setCookie(w, r, secret, 12*time.Hour)
	return redirect(w, r, f.Next, "")
}
