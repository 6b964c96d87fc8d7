package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// loginShow shows the login form (?next= is where to go after it).
func (h *Handler) loginShow(w http.ResponseWriter, r *http.Request) error {
	return h.show(w, r, h.newPage(r, "login", "").Set("Form", form.NewLoginForm(r)))
}
