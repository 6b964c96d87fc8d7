package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// Staff is the staff service the console logs in with: accounts, sessions,
// permissions and departments live there, never in the console.
type Staff interface {
	// Login checks address, password and TOTP code (rate limits and lockout
	// are the service's) and opens a session; secret goes into the cookie.
	Login(ctx context.Context, email, password, code, ip, userAgent string) (secret string, err error)
	// Session looks a cookie secret up (idle and absolute timeouts applied).
	Session(ctx context.Context, secret string) (Session, error)
	// Logout ends the session.
	Logout(ctx context.Context, secret string) error
	// SwitchDepartment makes dept the session's current department.
	SwitchDepartment(ctx context.Context, secret string, dept int64) error
	// Bind puts the session's person (the audit actor) and department into
	// ctx for the domain services.
	Bind(ctx context.Context, s Session) context.Context
}

// ErrNoSession is what Session returns for an unknown or expired secret.
var ErrNoSession = errors.New("console: no session")

// ErrLogin is what Login returns for wrong credentials (any of them).
var ErrLogin = errors.New("console: wrong address, password or code")

// Session is a signed-in person as the console sees them.
type Session struct {
	PersonID int64
	Name     string
	Email    string
	// Lang is the person's language: "en" or "nl".
	Lang string
	// Department is the current one; Departments those the person may switch to.
	Department  Department
	Departments []Department
	// CSRF is the form token tied to this session.
	CSRF string
	// Perms are the permissions the person's role grants in Department.
	Perms map[string]bool
}

// Department is one department of the organisation.
type Department struct {
	ID   int64
	Name string
}

// Can says whether the session may use perm.
func (s Session) Can(perm string) bool { return s.Perms[perm] }

type sessionKey struct{}

// sessionFrom returns the request's session (zero when signed out).
func sessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(Session)
	return s, ok
}

// actorOf names the signed-in person for audit records.
func actorOf(r *http.Request) string {
	s, _ := sessionFrom(r.Context())
	return "person:" + strconv.FormatInt(s.PersonID, 10)
}
