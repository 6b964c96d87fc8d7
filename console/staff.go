package console

import (
	"context"
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

// Session is the signed-in person as the screens see them: the actor (who,
// which department, which permissions), the departments they may switch
// to, their language and the session's CSRF token.
type Session struct {
	access.Actor
	Lang        string
	Departments []staff.Membership
	// DepartmentName names the current department.
	DepartmentName string
	CSRF           string
	// secret is the cookie value.
	secret string
}

// Can says whether the session may use perm ("" is always allowed).
func (s Session) Can(perm access.Permission) bool {
	return perm == access.SignedIn || perm == access.Public || s.Has(perm)
}

type sessionKey struct{}

// sessionFrom returns the request's session (zero when signed out).
func sessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(Session)
	return s, ok
}

// withSession puts the session into ctx, with its actor and department for
// the domain services (and so the database's department scope).
func withSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(access.WithActor(ctx, s.Actor), sessionKey{}, s)
}

// loadSession resolves the cookie secret to a session.
func (h *Handler) loadSession(r *http.Request, secret string) (Session, error) {
	a, _, err := h.Staff.Authenticate(r.Context(), secret, httpapi.ClientIP(r))
	if err != nil {
		return Session{}, err
	}
	ms, err := h.Staff.Memberships(r.Context(), a.PersonID)
	if err != nil {
		return Session{}, err
	}
	lang, err := h.Staff.Language(r.Context(), a.PersonID)
	if err != nil {
		return Session{}, err
	}
	s := Session{Actor: a, Lang: lang, Departments: ms, CSRF: h.Staff.CSRFToken(secret), secret: secret}
	for _, m := range ms {
		if m.DepartmentID == a.DepartmentID {
			s.DepartmentName = m.DepartmentName
		}
	}
	return s, nil
}

// actorOf names the signed-in person for audit records.
func actorOf(r *http.Request) string { return access.Label(r.Context()) }
