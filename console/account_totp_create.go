package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// accountTOTPCreate starts a second factor for the signed-in person after
// checking their current password (staff BeginTOTP, as the confirmation
// does: a wrong one counts as a failed login) and shows its key with a
// field for the app's first code, which turns it on (accountTOTPSave). A
// POST: it stores a new pending secret.
func (h *Handler) accountTOTPCreate(w http.ResponseWriter, r *http.Request) error {
	f := form.NewTOTPPasswordForm(r)
	if e := f.Validate(); len(e) > 0 {
		return h.accountInvalid(w, r, e, false)
	}
	s, _ := sessionFrom(r.Context())
	setup, err := h.Staff.BeginTOTP(r.Context(), s.PersonID, f.Current)
	if fe, ok := fieldError(r, err); ok {
		// The form's password field is its own, apart from the password change's.
		return h.accountInvalid(w, r, map[string]string{"totp_current_password": fe["current_password"]}, true)
	}
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "account_totp", "account").Set("Setup", setup))
}
