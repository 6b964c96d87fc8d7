package console

import "net/http"

// languageSave sets the signed-in person's console language.
func (h *Handler) languageSave(w http.ResponseWriter, r *http.Request) error {
	s, _ := sessionFrom(r.Context())
	if err := h.Staff.SetLanguage(r.Context(), s.PersonID, r.PostFormValue("lang")); err != nil {
		return err
	}
	return redirect(w, r, Prefix, "lang.saved")
}
