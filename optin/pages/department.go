package pages

// Department forms: the subscribe form and the privacy request form carry
// the department (/s/{dept}/{slug}, /privacy/{dept}), since list slugs
// repeat across departments and a data subject's request covers the
// department whose form it came through. The paths without one belong to
// the default department.

import (
	"context"
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/identity"
)

type houseKey struct{}

// inDepartment scopes the request to the department of its {dept} path
// value (the default department when the path has none): every query of
// the handler then sees only that department's lists and contacts, and
// what it writes belongs to it. It answers the neutral page for an
// unknown department.
func (s *Server) inDepartment(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("dept")
		if slug == "" {
			fn(w, r.WithContext(access.WithDepartment(r.Context(), access.DefaultDepartment)))
			return
		}
		id, err := s.r.Department(r.Context(), slug)
		if err != nil {
			s.neutral(w, r)
			return
		}
		ctx := context.WithValue(access.WithDepartment(r.Context(), id.DepartmentID), houseKey{}, id)
		fn(w, r.WithContext(ctx))
	}
}

// house applies the department's house style, when the request has one,
// to p.
func house(r *http.Request, p *page) {
	id, ok := r.Context().Value(houseKey{}).(identity.Identity)
	if !ok {
		return
	}
	id.Apply(&p.Org, &p.Logo, &p.Color)
}
