package console

import (
	"net/http"
)

// accountTOTPCreate starts a second factor for the signed-in person and
// shows its key with a field for the app's first code, which turns it on
// (accountTOTPSave). A POST: it stores a new pending secret.
func (h *Handler) accountTOTPCreate(w http.ResponseWriter, r *http.Request) error {
	s, _ := sessionFrom(r.Context())
	setup, err := h.Staff.BeginTOTP(r.Context(), s.PersonID)
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "account_totp", "account").Set("Setup", setup))
}
