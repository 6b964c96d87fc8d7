package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// accountTOTPRemove removes the signed-in person's second factor after
// checking their password; their other sessions end (staff
// RemoveOwnTOTP). A role that requires a second factor keeps it.
func (h *Handler) accountTOTPRemove(w http.ResponseWriter, r *http.Request) error {
	f := form.NewTOTPPasswordForm(r)
	if e := f.Validate(); len(e) > 0 {
		return h.accountInvalid(w, r, e, false)
	}
	s, _ := sessionFrom(r.Context())
	err := h.Staff.RemoveOwnTOTP(r.Context(), s.PersonID, s.SessionID, f.Current)
	if fe, ok := fieldError(r, err); ok {
		// The form's password field is its own, apart from the password change's.
		return h.accountInvalid(w, r, map[string]string{"totp_current_password": fe["current_password"]}, true)
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"account", "account.totp.off")
}
