package console

import (
	"net/http"
)

// accountShow is the signed-in person's own account: name, address, roles,
// the form to change the password and the second factor (set up or
// remove).
func (h *Handler) accountShow(w http.ResponseWriter, r *http.Request) error {
	p, err := h.accountPage(r)
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// accountPage builds the account view with the person as stored.
func (h *Handler) accountPage(r *http.Request) (*page, error) {
	s, _ := sessionFrom(r.Context())
	person, err := h.Staff.Get(r.Context(), s.PersonID)
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "account", "account").Set("Person", person), nil
}

// accountInvalid shows the account page again with 422 and the errors of
// one of its forms.
func (h *Handler) accountInvalid(w http.ResponseWriter, r *http.Request, errs map[string]string, translated bool) error {
	p, err := h.accountPage(r)
	if err != nil {
		return err
	}
	if translated {
		p.Errs = errs
	} else {
		p.setErrs(errs)
	}
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
