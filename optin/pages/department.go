package pages

// Department forms: the subscribe form and the privacy request form carry
// the department (/s/{dept}/{slug}, /privacy/{dept}), since list slugs
// repeat across departments and a data subject's request covers the
// department whose form it came through. The paths without one belong to
// the default department.

import (
	"errors"
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

// inDepartment scopes the request to the department of its {dept} path
// value (the default department when the path has none): every query of
// the handler then sees only that department's lists and contacts, and
// what it writes belongs to it. It answers the neutral page for an
// unknown department.
func (s *Server) inDepartment(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("dept")
		var id identity.Identity
		var err error
		if slug == "" {
			id, err = s.r.DefaultDepartment(r.Context())
		} else {
			id, err = s.r.Department(r.Context(), slug)
		}
		if errors.Is(err, identity.ErrNoDepartment) {
			err = optin.ErrGone
		}
		if err != nil {
			s.fail(w, r, err) // unknown department: the neutral page
			return
		}
		ctx := identity.With(access.WithDepartment(r.Context(), id.DepartmentID), id)
		fn(w, r.WithContext(ctx))
	}
}

// forRecipient gives the page behind a link in a mail the identity of the
// department that sent the mail (identity.ForContact on the contact of the
// token, whose signature is checked here; the handler checks the token's
// purpose and expiry as before), and the language of the campaign the
// token came from (pageLang). The page then shows that department's
// name, logo and colour, and the mails it leads to (privacy answers) go
// out under its name. A token that does not verify, or whose contact is
// gone, keeps the installation's identity: the neutral page reveals
// nothing.
func (s *Server) forRecipient(p rtoken.Purpose, fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := s.keys().Parse(r.PathValue("token"), p); err == nil {
			r = withCampaignOf(r, c)
			if id, err := s.r.Identity(r.Context(), c.ContactID); err == nil {
				r = r.WithContext(identity.With(r.Context(), id))
			}
		}
		fn(w, r)
	}
}

// house applies the identity of the request's interaction (a department's
// form, or the department that sent the mail with the link), when it has
// one, to p.
func house(r *http.Request, p *page) {
	id, ok := identity.From(r.Context())
	if !ok {
		return
	}
	id.Apply(&p.Org, &p.Logo, &p.Color)
}
