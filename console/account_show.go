package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// accountShow is the signed-in person's own account: name, address, roles,
// the form to change the password and the second factor (set up or
// remove), their live sessions (to sign out) and their API tokens in this
// department (to make and revoke).
func (h *Handler) accountShow(w http.ResponseWriter, r *http.Request) error {
	p, err := h.accountPage(r)
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// accountPage builds the account view with the person as stored, their
// sessions (GET /api/v1/auth/sessions) and tokens (GET /api/v1/auth/tokens).
func (h *Handler) accountPage(r *http.Request) (*page, error) {
	ctx := r.Context()
	s, _ := sessionFrom(ctx)
	person, err := h.Staff.Get(ctx, s.PersonID)
	if err != nil {
		return nil, err
	}
	sessions, err := h.Staff.Sessions(ctx, s.PersonID)
	if err != nil {
		return nil, err
	}
	tokens, err := h.Staff.OwnTokens(ctx, s.PersonID)
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "account", "account").Set("Person", person).Set("Sessions", sessions).
		Set("Current", s.SessionID).Set("Tokens", tokens).Set("Lifetimes", form.TokenLifetimes).
		Set("Token", &form.TokenForm{Expires: "90"}), nil
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
