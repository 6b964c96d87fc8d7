package staff

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// Person statuses.
const (
	StatusInvited  = "invited"
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Person is a member of staff (never the password hash or TOTP secret).
type Person struct {
	ID          int64        `json:"id"`
	Email       string       `json:"email"`
	Name        string       `json:"name"`
	Status      string       `json:"status"`
	TOTPEnabled bool         `json:"totp_enabled"`
	CreatedAt   time.Time    `json:"created_at"`
	LastLoginAt *time.Time   `json:"last_login_at"`
	Memberships []Membership `json:"memberships"`
}

// Membership is a person's role in one department.
type Membership struct {
	DepartmentID   int64  `json:"department_id"`
	DepartmentSlug string `json:"department_slug"`
	DepartmentName string `json:"department_name"`
	Role           string `json:"role"`
}

const personCols = `id, email, name, status, totp_enabled, created_at, last_login_at`

func scanPerson(row pgx.Row) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.Email, &p.Name, &p.Status, &p.TOTPEnabled, &p.CreatedAt, &p.LastLoginAt)
	return p, err
}

// NewPerson is what creating or inviting a person takes.
type NewPerson struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	// DepartmentID and Role: the first membership (required).
	DepartmentID int64  `json:"department_id"`
	Role         string `json:"role"`
	// DepartmentSlug: optional, for the command line only; when
	// DepartmentID is 0, the department with this slug, created in the
	// same transaction as the person when it does not exist (so a refused
	// person leaves no empty department behind).
	DepartmentSlug string `json:"-"`
	// Password: only for CreateActive (the first administrator).
	Password string `json:"password,omitempty"`
}

func (n *NewPerson) validate() error {
	a, err := mail.ParseAddress(strings.TrimSpace(n.Email))
	if err != nil || a.Name != "" || len(a.Address) > 254 {
		return errs.Invalid("email", "must be a plain email address")
	}
	n.Email = a.Address
	n.Name = strings.TrimSpace(n.Name)
	if err := errs.Name("name", n.Name); err != nil {
		return err
	}
	if n.Role == "" {
		return errs.Invalid("role", "required")
	}
	if n.DepartmentID == 0 && n.DepartmentSlug == "" {
		return errs.Invalid("department_id", "required")
	}
	return nil
}

// errPersonExists refuses a second account for an address.
var errPersonExists = errs.Conflict("person_exists", "a person with this email address exists")

// CreateActive creates an active person with a password and a role in a
// department, all or nothing: the first administrator
// (`postbode user create`) or an administrator's direct creation.
func (s *Service) CreateActive(ctx context.Context, n NewPerson) (Person, error) {
	if err := n.validate(); err != nil {
		return Person{}, err
	}
	if err := CheckPassword(n.Password, n.Email); err != nil {
		return Person{}, err
	}
	hash, err := s.hash(ctx, n.Password)
	if err != nil {
		return Person{}, err
	}
	return s.createPerson(ctx, n, StatusActive, hash, "person-create", nil)
}

// createPerson writes the person, their department (made when missing),
// membership and audit entry, then runs then (optional) in the same
// transaction.
func (s *Service) createPerson(ctx context.Context, n NewPerson, status, hash, action string,
	then func(ctx context.Context, tx pgx.Tx, p Person) error) (Person, error) {
	ctx = unscoped(ctx)
	var p Person
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		p, err = scanPerson(tx.QueryRow(ctx, `INSERT INTO persons (email, name, status, password_hash)
			VALUES ($1, $2, $3, $4) RETURNING `+personCols, n.Email, n.Name, status, hash))
		if isUnique(err) {
			return errPersonExists
		}
		if err != nil {
			return fmt.Errorf("staff: create person: %w", err)
		}
		if n.DepartmentID == 0 {
			if n.DepartmentID, err = departmentBySlug(ctx, tx, n.DepartmentSlug); err != nil {
				return err
			}
		}
		if err := setMembership(ctx, tx, p.ID, n.DepartmentID, n.Role); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Action: action, TargetKind: "person", TargetID: &p.ID,
			DepartmentID: n.DepartmentID}); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, tx, p)
		}
		return nil
	})
	if err != nil {
		return Person{}, err
	}
	p.Memberships, err = s.Memberships(ctx, p.ID)
	return p, err
}

// departmentBySlug returns the id of the department slug, creating it in
// tx when it does not exist.
func departmentBySlug(ctx context.Context, tx pgx.Tx, slug string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM departments WHERE slug = $1`, slug).Scan(&id)
	if !errors.Is(err, pgx.ErrNoRows) {
		if err != nil {
			return 0, fmt.Errorf("staff: department by slug: %w", err)
		}
		return id, nil
	}
	d, err := saveDepartment(ctx, tx, Department{Slug: slug, Name: slug})
	return d.ID, err
}

// Get returns a person with memberships.
func (s *Service) Get(ctx context.Context, id int64) (Person, error) {
	ctx = unscoped(ctx)
	p, err := scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+` FROM persons WHERE id = $1`, id))
	if err != nil {
		return p, notFound(err, ErrNotFound)
	}
	p.Memberships, err = s.Memberships(ctx, id)
	return p, err
}

// List returns the persons with a membership in department dept (0: all),
// with all their memberships, in the order they were created: those after
// the one numbered after (0: from the first), at most limit+1 (a page and
// whether there is another: httpapi.NewPage with PersonCursor).
func (s *Service) List(ctx context.Context, dept, after int64, limit int) ([]Person, error) {
	ctx = unscoped(ctx)
	rows, err := s.db.Query(ctx, `SELECT `+personCols+` FROM persons p WHERE p.id > $2 AND ($1 = 0 OR EXISTS (
		SELECT 1 FROM memberships m WHERE m.person_id = p.id AND m.department_id = $1)) ORDER BY p.id LIMIT $3`,
		dept, after, limit+1)
	if err != nil {
		return nil, fmt.Errorf("staff: list persons: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Person, error) { return scanPerson(r) })
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Memberships, err = s.Memberships(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PersonCursor is what a page of persons continues after.
func PersonCursor(p Person) int64 { return p.ID }

// Memberships returns a person's departments and roles (the department
// switcher's choices).
func (s *Service) Memberships(ctx context.Context, personID int64) ([]Membership, error) {
	rows, err := s.db.Query(unscoped(ctx), `SELECT d.id, d.slug, d.name, r.name FROM memberships m
		JOIN departments d ON d.id = m.department_id JOIN roles r ON r.id = m.role_id
		WHERE m.person_id = $1 ORDER BY d.id`, personID)
	if err != nil {
		return nil, fmt.Errorf("staff: memberships: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
}

// Disable stops a person from logging in and ends their sessions,
// invitation and reset links, and API tokens at once. The last
// administrator cannot be disabled, nor anyone holding a permission the
// actor lacks (reachable).
func (s *Service) Disable(ctx context.Context, id int64) error {
	ctx = unscoped(ctx)
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		check, err := adminGuard(ctx, tx)
		if err != nil {
			return err
		}
		if err := reachable(ctx, tx, id, 0); err != nil {
			return err
		}
		if err := supersedeInvitations(ctx, tx, id, 0, s.now()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE persons SET status = 'disabled', password_gen = password_gen + 1,
			updated_at = now() WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("staff: disable: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if err := check(); err != nil {
			return err
		}
		// Sessions, links and the person's API tokens end for good: enabling
		// the person again does not bring back what they had.
		if err := endCredentials(ctx, tx, id, 0); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL`, id); err != nil {
			return fmt.Errorf("staff: disable: tokens: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "person-disable", TargetKind: "person", TargetID: &id})
	})
}

// Enable lets a disabled person log in again (active when they have a
// password, else invited); not someone holding a permission the actor
// lacks (reachable).
func (s *Service) Enable(ctx context.Context, id int64) error {
	ctx = unscoped(ctx)
	if err := reachable(ctx, s.db, id, 0); err != nil {
		return err
	}
	tag, err := s.db.Exec(ctx, `UPDATE persons SET status = CASE WHEN password_hash = '' THEN 'invited' ELSE 'active' END,
		updated_at = now() WHERE id = $1 AND status = 'disabled'`, id)
	if err != nil {
		return fmt.Errorf("staff: enable: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("not_disabled", "the person is not disabled")
	}
	return audit.Write(ctx, s.db, audit.Entry{Action: "person-activate", TargetKind: "person", TargetID: &id})
}

func notFound(err, nf error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nf
	}
	return err
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func isFK(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// InDepartment loads a person of ctx's department; a person of another
// department is not found.
func (s *Service) InDepartment(ctx context.Context, id int64) (Person, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return p, err
	}
	dept := access.Department(ctx)
	for _, m := range p.Memberships {
		if m.DepartmentID == dept {
			return p, nil
		}
	}
	return Person{}, ErrNotFound
}

// Addable loads a person an administrator may give a role in ctx's
// department: one already in it, or one in another department where the
// acting person manages users too (so an administrator cannot reach, list
// or pull in persons of departments they have nothing to do with, or only
// work in without managing its people, by guessing ids).
func (s *Service) Addable(ctx context.Context, id int64) (Person, error) {
	if p, err := s.InDepartment(ctx, id); !errors.Is(err, ErrNotFound) {
		return p, err
	}
	a, _ := access.ActorFrom(ctx)
	if a.PersonID == 0 {
		return Person{}, ErrNotFound
	}
	v, err := s.ViewerOf(ctx)
	if err != nil {
		return Person{}, err
	}
	p, err := s.Get(ctx, id)
	if err != nil {
		return p, err
	}
	for _, m := range p.Memberships {
		if v.Manages(m.DepartmentID) {
			return p, nil
		}
	}
	return Person{}, ErrNotFound
}

// OnlyInDepartment loads a person of ctx's department whose whole account
// its administrator may change (disable, enable, remove the second
// factor): one who works in no other department. For anyone else the
// administrator removes them from the department instead.
func (s *Service) OnlyInDepartment(ctx context.Context, id int64) (Person, error) {
	p, err := s.InDepartment(ctx, id)
	if err == nil && len(p.Memberships) > 1 {
		return Person{}, ErrOtherDepartments
	}
	return p, err
}

// shippedWith names the shipped roles that hold permission p.
func shippedWith(p access.Permission) []string {
	var out []string
	for name, ps := range access.Shipped {
		if slices.Contains(ps, p) {
			out = append(out, name)
		}
	}
	return out
}
