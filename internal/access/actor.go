package access

import (
	"context"
	"net/netip"
	"strconv"
)

// DefaultDepartment is the department every installation starts with; data
// from before departments existed belongs to it.
const DefaultDepartment int64 = 1

// Actor is who performs a request: a person (through a session or their
// API token) or a service token, in one department, with the permissions
// of their role there.
type Actor struct {
	// PersonID is the person; 0 for a service token.
	PersonID int64
	// Email and Name of the person (never logged at info level).
	Email string
	Name  string
	// TokenID is the API token used, 0 for a session.
	TokenID   int64
	TokenName string
	// SessionID is the console/API session used, 0 for a token.
	SessionID int64
	// DepartmentID is the department acted in; Role the role held there.
	DepartmentID int64
	Role         string
	Perms        Set
	// IP is the client address (for the audit log).
	IP netip.Addr
}

// Has reports whether the actor holds p.
func (a Actor) Has(p Permission) bool { return a.Perms.Has(p) }

// Label names the actor in audit entries and job records:
// "person:<id>" or "token:<id>:<name>".
func (a Actor) Label() string {
	if a.PersonID != 0 {
		return "person:" + strconv.FormatInt(a.PersonID, 10)
	}
	if a.TokenID != 0 {
		return "token:" + strconv.FormatInt(a.TokenID, 10) + ":" + a.TokenName
	}
	return "system"
}

type actorKey struct{}
type deptKey struct{}

// WithActor returns ctx carrying a as the acting person; the department is
// a.DepartmentID.
func WithActor(ctx context.Context, a Actor) context.Context {
	ctx = context.WithValue(ctx, actorKey{}, a)
	return WithDepartment(ctx, a.DepartmentID)
}

// ActorFrom returns the acting person of ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Label names the actor of ctx ("system" when none).
func Label(ctx context.Context) string {
	a, _ := ActorFrom(ctx)
	return a.Label()
}

// WithDepartment returns ctx scoped to department id: every query run with
// it sees only that department's rows. Jobs working for one department
// (an import) use it; id 0 removes the scope.
func WithDepartment(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, deptKey{}, id)
}

// Unscoped returns ctx without department scope, for system work (sending,
// retention, bounce processing) that spans departments.
func Unscoped(ctx context.Context) context.Context { return WithDepartment(ctx, 0) }

// Department returns the department ctx is scoped to, 0 for none.
func Department(ctx context.Context) int64 {
	id, _ := ctx.Value(deptKey{}).(int64)
	return id
}

// Detach returns a context without ctx's deadline and cancellation that
// keeps its actor and department, for background work a request starts.
func Detach(parent, ctx context.Context) context.Context {
	if a, ok := ActorFrom(ctx); ok {
		parent = context.WithValue(parent, actorKey{}, a)
	}
	return WithDepartment(parent, Department(ctx))
}
