package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// languageSave sets the signed-in person's console language and goes back
// to the page it was changed on (the form's next).
func (h *Handler) languageSave(w http.ResponseWriter, r *http.Request) error {
	s, _ := sessionFrom(r.Context())
	if err := h.Staff.SetLanguage(r.Context(), s.PersonID, r.PostFormValue("lang")); err != nil {
		return err
	}
	return h.redirect(w, r, form.Next(r), "lang.saved")
}
