package console

import (
	"net/http"
	"time"

	"github.com/postbode/postbode/console/form"
)

// accountTokenCreate makes a personal API token acting for the signed-in
// person in this department (the rule of POST /api/v1/auth/tokens) and
// shows its secret on this answer only: it is stored hashed, never shown
// again, never logged, and the audit entry names only the token's id. The
// answer is a page, not a redirect, so the secret travels in no URL or
// cookie (and the console answers with Cache-Control: no-store).
func (h *Handler) accountTokenCreate(w http.ResponseWriter, r *http.Request) error {
	f := form.NewTokenForm(r)
	if e := f.Validate(); len(e) > 0 {
		return h.tokenInvalid(w, r, f, e, false)
	}
	s, _ := sessionFrom(r.Context())
	t, secret, err := h.Staff.CreateTokenUntil(r.Context(), f.Name, s.PersonID, f.ExpiresAt(time.Now()))
	if fe, ok := fieldError(r, err); ok {
		if msg, named := fe["name"]; named {
			fe = map[string]string{"token_name": msg}
		}
		return h.tokenInvalid(w, r, f, fe, true)
	}
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "account_token", "account").Set("Token", t).Set("Secret", secret))
}

// tokenInvalid shows the account page again with 422, the token form as
// typed and its errors.
func (h *Handler) tokenInvalid(w http.ResponseWriter, r *http.Request, f *form.TokenForm, errs map[string]string, translated bool) error {
	p, err := h.accountPage(r)
	if err != nil {
		return err
	}
	p.Set("Token", f)
	if translated {
		p.Errs = errs
	} else {
		p.setErrs(errs)
	}
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
