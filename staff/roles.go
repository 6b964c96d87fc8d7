package staff

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// Role is a named set of permissions. Shipped roles take theirs from
// access.Shipped and cannot be changed.
type Role struct {
	ID          int64               `json:"id"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Builtin     bool                `json:"builtin"`
	Permissions []access.Permission `json:"permissions"`
}

// roleDepartment is the department whose custom roles ctx sees, saves and
// gives: the department of the request, or the default department for
// calls without one (the command line).
func roleDepartment(ctx context.Context) int64 {
	if d := access.Department(ctx); d != 0 {
		return d
	}
	return access.DefaultDepartment
}

// Roles returns the shipped roles and the custom roles of ctx's department,
// with their permissions. Other departments' custom roles are not listed.
func (s *Service) Roles(ctx context.Context) ([]Role, error) {
	dept := roleDepartment(ctx)
	ctx = unscoped(ctx)
	rows, err := s.db.Query(ctx, `SELECT r.id, r.name, r.description, r.builtin,
		COALESCE(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}')
		FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id
		WHERE r.department_id IS NULL OR r.department_id = $1 GROUP BY r.id ORDER BY r.id`, dept)
	if err != nil {
		return nil, fmt.Errorf("staff: roles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Role, error) {
		var ro Role
		var perms []string
		err := r.Scan(&ro.ID, &ro.Name, &ro.Description, &ro.Builtin, &perms)
		for _, p := range perms {
			ro.Permissions = append(ro.Permissions, access.Permission(p))
		}
		return ro, err
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Builtin {
			out[i].Permissions = access.NewSet(access.Shipped[out[i].Name]...).List()
		}
	}
	return out, nil
}

// rolePermissions returns the permission set of a role by name in a
// department: a shipped role, or a custom role of that department (a
// custom role of another department has no permissions here).
func (s *Service) rolePermissions(ctx context.Context, q pgxQuerier, name string, dept int64) (access.Set, error) {
	if ps, ok := access.Shipped[name]; ok {
		return access.NewSet(ps...), nil
	}
	rows, err := q.Query(unscoped(ctx), `SELECT p.permission FROM roles r JOIN role_permissions p ON p.role_id = r.id
		WHERE r.name = $1 AND r.department_id = $2`, name, dept)
	if err != nil {
		return nil, fmt.Errorf("staff: role permissions: %w", err)
	}
	ps, err := pgx.CollectRows(rows, pgx.RowTo[access.Permission])
	return access.NewSet(ps...), err
}

// grantable refuses giving (to a person, a role or a token) permissions the
// acting person or token does not hold itself: a role with users.manage but
// not everything cannot make anyone, itself included, an administrator.
// Calls without an actor (the command line) pass. reachable is the same
// rule for acting on a person.
func grantable(ctx context.Context, perms access.Set) error {
	if p := beyondOwn(ctx, perms); p != "" {
		return errs.Forbidden("beyond_own_permissions", fmt.Sprintf("you cannot give the permission %s, which you do not hold", p))
	}
	return nil
}

// Grantable refuses a role (by name, in ctx's department) whose
// permissions the actor of ctx does not all hold (see grantable).
func (s *Service) Grantable(ctx context.Context, role string) error {
	return s.grantableIn(ctx, role, roleDepartment(ctx))
}

// grantableIn is Grantable for a role of department dept.
func (s *Service) grantableIn(ctx context.Context, role string, dept int64) error {
	if !errs.IsSlug(role) { // no role has such a name; the database could not even compare it
		return errs.Invalidf("role", "no role named %q", errs.Printable(role))
	}
	perms, err := s.rolePermissions(ctx, s.db, role, dept)
	if err != nil {
		return err
	}
	return grantable(ctx, perms)
}

type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// SaveRole creates a custom role of ctx's department or replaces the
// permissions of one. Each department names its own roles: a role of
// another department with the same name is neither seen nor changed.
func (s *Service) SaveRole(ctx context.Context, name, description string, perms []access.Permission) (Role, error) {
	name = strings.TrimSpace(name)
	if _, ok := access.Shipped[name]; ok {
		return Role{}, errs.Conflict("role_builtin", "shipped roles cannot be changed; create a custom role")
	}
	if err := errs.Slug("name", name); err != nil {
		return Role{}, err
	}
	for _, p := range perms {
		if !access.Valid(p) {
			return Role{}, errs.Invalidf("permissions", "unknown permission %q", p)
		}
	}
	if err := grantable(ctx, access.NewSet(perms...)); err != nil {
		return Role{}, err
	}
	dept := roleDepartment(ctx)
	actx := ctx
	ctx = unscoped(ctx)
	var id int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO roles (name, description, department_id) VALUES ($1, $2, $3)
			ON CONFLICT (department_id, name) DO UPDATE SET description = EXCLUDED.description RETURNING id`,
			name, description, dept).Scan(&id)
		if err != nil {
			return fmt.Errorf("staff: save role: %w", err)
		}
		// Replacing a role's permissions acts on everyone who holds it:
		// one holding a permission the actor lacks is not the actor's to
		// change (reachable, seen from the role). The upsert has locked
		// the row, so these are the permissions being replaced.
		old, err := s.rolePermissions(ctx, tx, name, dept)
		if err != nil {
			return err
		}
		if p := beyondOwn(actx, old); p != "" {
			return errs.Forbidden("beyond_own_permissions",
				fmt.Sprintf("this role holds the permission %s, which you do not hold; ask someone who holds it", p))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM role_permissions WHERE role_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])`, id, perms); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "role-change", TargetKind: "role", TargetID: &id,
			DepartmentID: dept, Count: int64(len(perms))})
	})
	if err != nil {
		return Role{}, err
	}
	return Role{ID: id, Name: name, Description: description, Permissions: access.NewSet(perms...).List()}, nil
}
