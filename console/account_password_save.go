package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// accountPasswordSave changes the signed-in person's password through the
// staff service (the API's POST /auth/password): the current password is
// checked (a wrong one counts as a failed login), the person's other
// sessions and links end, this session stays.
func (h *Handler) accountPasswordSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewChangePasswordForm(r)
	if e := f.Validate(); len(e) > 0 {
		return h.accountInvalid(w, r, e, false)
	}
	s, _ := sessionFrom(r.Context())
	err := h.Staff.ChangePassword(r.Context(), s.PersonID, s.SessionID, f.Current, f.Password)
	if fe, ok := fieldError(r, err); ok {
		return h.accountInvalid(w, r, fe, true)
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"account", "account.password.changed")
}
