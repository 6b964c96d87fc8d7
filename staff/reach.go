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

// Unreachable returns which of the persons ids the actor of ctx may not act
// on (the rule of reachable, for department dept; 0: every department of
// the person), so a screen offers only the actions the service would take.
func (s *Service) Unreachable(ctx context.Context, ids []int64, dept int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if _, ok := access.ActorFrom(ctx); !ok || len(ids) == 0 {
		return out, nil
	}
	perms, err := personsPermissions(ctx, s.db, ids, dept)
	if err != nil {
		return nil, err
	}
	for id, ps := range perms {
		if beyondOwn(ctx, ps) != "" {
			out[id] = true
		}
	}
	return out, nil
}

// CanGrant says whether the actor of ctx may give role r (the rule of
// Grantable, for a role already read).
func CanGrant(ctx context.Context, r Role) bool {
	return beyondOwn(ctx, access.NewSet(r.Permissions...)) == ""
}

// personPermissions is the union of the permissions of a person's roles in
// department dept (0: in every department).
func personPermissions(ctx context.Context, q pgxQuerier, personID, dept int64) (access.Set, error) {
	m, err := personsPermissions(ctx, q, []int64{personID}, dept)
	if err != nil {
		return nil, err
	}
	if m[personID] == nil {
		return access.Set{}, nil
	}
	return m[personID], nil
}

// personsPermissions is personPermissions for many persons in one query.
func personsPermissions(ctx context.Context, q pgxQuerier, ids []int64, dept int64) (map[int64]access.Set, error) {
	rows, err := q.Query(unscoped(ctx), `SELECT m.person_id, r.name, r.builtin,
		COALESCE(array_agg(p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}')
		FROM memberships m JOIN roles r ON r.id = m.role_id LEFT JOIN role_permissions p ON p.role_id = r.id
		WHERE m.person_id = ANY($1) AND ($2 = 0 OR m.department_id = $2) GROUP BY m.person_id, r.id`, ids, dept)
	if err != nil {
		return nil, fmt.Errorf("staff: person permissions: %w", err)
	}
	out := map[int64]access.Set{}
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var id int64
		var name string
		var builtin bool
		var perms []string
		if err := r.Scan(&id, &name, &builtin, &perms); err != nil {
			return struct{}{}, err
		}
		set := out[id]
		if set == nil {
			set = access.Set{}
			out[id] = set
		}
		if builtin {
			for _, p := range access.Shipped[name] {
				set[p] = true
			}
		}
		for _, p := range perms {
			set[access.Permission(p)] = true
		}
		return struct{}{}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("staff: person permissions: %w", err)
	}
	return out, nil
}
