package console

import "net/http"

// logoutSave ends the session (a POST, so a link cannot log anyone out).
func (h *Handler) logoutSave(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := h.Staff.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	setCookie(w, r, "", -1)
	return redirect(w, r, Prefix+"login", "login.out")
}
