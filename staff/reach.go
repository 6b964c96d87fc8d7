package staff

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
)

// beyondOwn returns the first permission of perms the actor of ctx does
// not hold ("" when it holds them all, or when there is no actor: the
// command line).
func beyondOwn(ctx context.Context, perms access.Set) access.Permission {
	a, ok := access.ActorFrom(ctx)
	if !ok {
		return ""
	}
	for _, p := range perms.List() {
		if !a.Has(p) {
			return p
		}
	}
	return ""
}

// reachable refuses acting on a person (changing or removing their role,
// disabling or enabling them, removing their second factor, sending them a
// password link, ending their sessions) who holds a permission the actor
// lacks: someone who may manage people but not everything cannot demote,
// lock out or take over an administrator. It is the rule of grantable seen
// from the other side, with the same error code. dept names the department
// whose role counts (0: every department of the person, for changes to the
// whole account).
func reachable(ctx context.Context, q pgxQuerier, personID, dept int64) error {
	if _, ok := access.ActorFrom(ctx); !ok {
		return nil
	}
	perms, err := personPermissions(ctx, q, personID, dept)
	if err != nil {
		return err
	}
	if p := beyondOwn(ctx, perms); p != "" {
		return errs.Forbidden("beyond_own_permissions",
			fmt.Sprintf("this person holds the permission %s, which you do not hold; ask someone who holds it", p))
	}
	return nil
}

// personPermissions is the union of the permissions of a person's roles in
// department dept (0: in every department).
func personPermissions(ctx context.Context, q pgxQuerier, personID, dept int64) (access.Set, error) {
	rows, err := q.Query(unscoped(ctx), `SELECT r.name, r.builtin,
		COALESCE(array_agg(p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}')
		FROM memberships m JOIN roles r ON r.id = m.role_id LEFT JOIN role_permissions p ON p.role_id = r.id
		WHERE m.person_id = $1 AND ($2 = 0 OR m.department_id = $2) GROUP BY r.id`, personID, dept)
	if err != nil {
		return nil, fmt.Errorf("staff: person permissions: %w", err)
	}
	out := access.Set{}
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var name string
		var builtin bool
		var perms []string
		if err := r.Scan(&name, &builtin, &perms); err != nil {
			return struct{}{}, err
		}
		if builtin {
			for _, p := range access.Shipped[name] {
				out[p] = true
			}
		}
		for _, p := range perms {
			out[access.Permission(p)] = true
		}
		return struct{}{}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("staff: person permissions: %w", err)
	}
	return out, nil
}
