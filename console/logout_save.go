package console

import (
	"net/http"

	"github.com/postbode/postbode/staff"
)

// logoutSave ends the session (a POST, so a link cannot log anyone out).
func (h *Handler) logoutSave(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(staff.CookieName); err == nil {
		if err := h.Staff.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	h.setCookie(w, r, "")
	return h.redirect(w, r, Prefix+"login", "login.out")
}
