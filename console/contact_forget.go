package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// contactForget shows what erasing the contact means and asks for the
// ground and a confirmation; nothing changes until the POST.
func (h *Handler) contactForget(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	p := h.newPage(r, "contact_forget", "contacts").Set("C", c).Set("Grounds", privacy.Grounds).Set("Form", &form.ForgetForm{})
	return h.show(w, r, p)
}
