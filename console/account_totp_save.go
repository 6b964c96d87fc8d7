package console

import (
	"errors"
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/staff"
)

// accountTOTPSave turns the pending second factor on with the person's
// current password and the app's code (staff ConfirmTOTP checks the
// password as a password change does). A missing or wrong password or
// code shows the account page with the error; the person starts the
// setup again from there.
func (h *Handler) accountTOTPSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewTOTPCodeForm(r)
	if e := f.Validate(); len(e) > 0 {
		if _, ok := e["current_password"]; ok {
			return h.accountInvalid(w, r, map[string]string{"totp": "account.err.current"}, false)
		}
		return h.accountInvalid(w, r, map[string]string{"totp": "login.err.code"}, false)
	}
	s, _ := sessionFrom(r.Context())
	err := h.Staff.ConfirmTOTP(r.Context(), s.PersonID, f.Current, f.Code)
	if errors.Is(err, staff.ErrTOTPInvalid) {
		return h.accountInvalid(w, r, map[string]string{"totp": "account.err.code"}, false)
	}
	if fe, ok := fieldError(r, err); ok {
		// The account page shows the setup's errors by its button.
		return h.accountInvalid(w, r, map[string]string{"totp": fe[firstKey(fe)]}, true)
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"account", "account.totp.on")
}
