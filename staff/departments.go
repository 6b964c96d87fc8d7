package staff

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// Department is one organisational unit with its own contacts, lists and
// campaigns.
type Department struct {
	ID           int64          `json:"id"`
	Slug         string         `json:"slug"`
	Name         string         `json:"name"`
	MainPersonID *int64         `json:"main_person_id"`
	AllowCIDRs   []netip.Prefix `json:"allow_cidrs"`
	CreatedAt    time.Time      `json:"created_at"`
}

// Departments returns every department.
func (s *Service) Departments(ctx context.Context) ([]Department, error) {
	rows, err := s.db.Query(unscoped(ctx), `SELECT id, slug, name, main_person_id, allow_cidrs, created_at
		FROM departments ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("staff: departments: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Department])
}

// Department returns one department.
func (s *Service) Department(ctx context.Context, id int64) (Department, error) {
	rows, err := s.db.Query(unscoped(ctx), `SELECT id, slug, name, main_person_id, allow_cidrs, created_at
		FROM departments WHERE id = $1`, id)
	if err != nil {
		return Department{}, fmt.Errorf("staff: department: %w", err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Department])
	return d, notFound(err, ErrDepartmentAbsent)
}

// SaveDepartment creates a department (ID 0) or changes one's name, main
// person and allow-list.
func (s *Service) SaveDepartment(ctx context.Context, d Department) (Department, error) {
	ctx = unscoped(ctx)
	var out Department
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		out, err = saveDepartment(ctx, tx, d)
		return err
	})
	return out, err
}

// msgAllowLocksOut refuses a department allow-list that leaves out the
// address the change is made from.
const msgAllowLocksOut = "your current address is not in these networks and would be locked out: include its network, or make the change from an address inside one"

func saveDepartment(ctx context.Context, tx pgx.Tx, d Department) (Department, error) {
	d.Slug, d.Name = strings.TrimSpace(d.Slug), strings.TrimSpace(d.Name)
	if d.Name == "" {
		return d, errs.Invalid("name", "required")
	}
	if err := errs.Name("name", d.Name); err != nil {
		return d, err
	}
	if d.AllowCIDRs == nil {
		d.AllowCIDRs = []netip.Prefix{}
	}
	// An allow-list that refuses the saver's own address (checkAllowed,
	// the rule every request of the department meets) would lock the
	// whole department out at once, with only the database to undo it.
	if a, _ := access.ActorFrom(ctx); checkAllowed(a.IP, d.AllowCIDRs) != nil {
		return d, errs.Invalid("allow_cidrs", msgAllowLocksOut)
	}
	action := "department-change"
	var err error
	if d.ID == 0 {
		action = "department-create"
		if err := errs.Slug("slug", d.Slug); err != nil {
			return d, err
		}
		err = tx.QueryRow(ctx, `INSERT INTO departments (slug, name, main_person_id, allow_cidrs) VALUES ($1, $2, $3, $4)
			RETURNING id, created_at`, d.Slug, d.Name, d.MainPersonID, d.AllowCIDRs).Scan(&d.ID, &d.CreatedAt)
		if isUnique(err) {
			return d, errs.Conflict("department_exists", "a department with this slug exists")
		}
	} else {
		err = tx.QueryRow(ctx, `UPDATE departments SET name = $2, main_person_id = $3, allow_cidrs = $4 WHERE id = $1
			RETURNING slug, created_at`, d.ID, d.Name, d.MainPersonID, d.AllowCIDRs).Scan(&d.Slug, &d.CreatedAt)
		err = notFound(err, ErrDepartmentAbsent)
	}
	if err != nil {
		return d, err
	}
	return d, audit.Write(ctx, tx, audit.Entry{Action: action, TargetKind: "department", TargetID: &d.ID})
}

// UpdateDepartment changes a department by change, which gets the stored
// department to edit, in one transaction (a concurrent change waits, so
// neither undoes the other's fields).
func (s *Service) UpdateDepartment(ctx context.Context, id int64, change func(*Department) error) (Department, error) {
	ctx = unscoped(ctx)
	var out Department
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, slug, name, main_person_id, allow_cidrs, created_at
			FROM departments WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return fmt.Errorf("staff: department: %w", err)
		}
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Department])
		if err != nil {
			return notFound(err, ErrDepartmentAbsent)
		}
		if err := change(&d); err != nil {
			return err
		}
		out, err = saveDepartment(ctx, tx, d)
		return err
	})
	return out, err
}

// SetMembership gives a person a role in a department (replacing the role
// they had there). The last administrator cannot be demoted, nor anyone
// whose role there holds a permission the actor lacks (reachable).
func (s *Service) SetMembership(ctx context.Context, personID, deptID int64, role string) error {
	if err := s.grantableIn(ctx, role, deptID); err != nil {
		return err
	}
	ctx = unscoped(ctx)
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		check, err := adminGuard(ctx, tx)
		if err != nil {
			return err
		}
		if err := reachable(ctx, tx, personID, deptID); err != nil {
			return err
		}
		if err := supersedeInvitations(ctx, tx, personID, deptID, s.now()); err != nil {
			return err
		}
		if err := setMembership(ctx, tx, personID, deptID, role); err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "membership-set", TargetKind: "person", TargetID: &personID,
			DepartmentID: deptID, Cause: role})
	})
}

// RemoveMembership takes a person out of a department; their sessions in
// it end at once (the next request of any of them is refused). Nobody
// removes a person whose role there holds a permission they lack.
func (s *Service) RemoveMembership(ctx context.Context, personID, deptID int64) error {
	ctx = unscoped(ctx)
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		check, err := adminGuard(ctx, tx)
		if err != nil {
			return err
		}
		if err := reachable(ctx, tx, personID, deptID); err != nil {
			return err
		}
		if err := supersedeInvitations(ctx, tx, personID, deptID, s.now()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM memberships WHERE person_id = $1 AND department_id = $2`, personID, deptID)
		if err != nil {
			return fmt.Errorf("staff: remove membership: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFound("membership_not_found", "the person is not in this department")
		}
		if err := check(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE person_id = $1 AND department_id = $2
			AND revoked_at IS NULL`, personID, deptID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "membership-remove", TargetKind: "person", TargetID: &personID,
			DepartmentID: deptID})
	})
}

func setMembership(ctx context.Context, tx pgx.Tx, personID, deptID int64, role string) error {
	tag, err := tx.Exec(ctx, `INSERT INTO memberships (person_id, department_id, role_id)
		SELECT $1, $2, id FROM roles WHERE name = $3 AND (department_id IS NULL OR department_id = $2)
		ON CONFLICT (person_id, department_id) DO UPDATE SET role_id = EXCLUDED.role_id`, personID, deptID, role)
	if err != nil {
		if isFK(err) {
			return errs.Invalid("department_id", "no such department or person")
		}
		return fmt.Errorf("staff: set membership: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errs.Invalidf("role", "no role named %q", role)
	}
	return nil
}

// adminGuard serialises (advisory lock 123456789) changes that could remove the last administrator
// of a department and returns the check to run after the change: it fails
// when fewer departments have an administrator than before.
func adminGuard(ctx context.Context, tx pgx.Tx) (func() error, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(123456789)`); err != nil {
		return nil, err
	}
	before, err := countAdmins(ctx, tx)
	if err != nil {
		return nil, err
	}
	return func() error {
		after, err := countAdmins(ctx, tx)
		if err != nil {
			return err
		}
		if after < before {
			return ErrLastAdmin
		}
		return nil
	}, nil
}

// countAdmins counts the departments where an active person holds
// users.manage (the shipped admin role, or a custom role with it).
func countAdmins(ctx context.Context, tx pgx.Tx) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(DISTINCT m.department_id) FROM memberships m JOIN persons p ON p.id = m.person_id
		JOIN roles r ON r.id = m.role_id
		WHERE p.status = 'active' AND (r.name = $1 OR EXISTS (
			SELECT 1 FROM role_permissions rp WHERE rp.role_id = r.id AND rp.permission = $2))`,
		access.RoleAdmin, string(access.UsersManage)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("staff: count admins: %w", err)
	}
	return n, nil
}
