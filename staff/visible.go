package staff

import (
	"context"
	"fmt"
	"slices"

	"github.com/postbode/postbode/internal/access"
)

// Viewer is who looks at persons: it decides which of a person's
// memberships they see (Sees), the one rule the API's person answers, the
// people report and the console's Admin screen follow.
type Viewer struct {
	personID int64
	// manages are the departments where the viewer manages users.
	manages []int64
}

// ViewerOf returns the viewer acting in ctx: a person sees their own
// memberships all, and another person's only in the departments where
// they themselves manage users (users.manage), so an administrator of one
// department learns nothing of what a shared person does in a department
// they have no say in. A service token manages users at most in its own
// department. The installation has no staff account above the
// departments.
func (s *Service) ViewerOf(ctx context.Context) (Viewer, error) {
	a, _ := access.ActorFrom(ctx)
	if a.PersonID == 0 {
		if a.DepartmentID != 0 && a.Has(access.UsersManage) {
			return Viewer{manages: []int64{a.DepartmentID}}, nil
		}
		return Viewer{}, nil
	}
	manages, err := s.managedDepartments(ctx, a.PersonID)
	return Viewer{personID: a.PersonID, manages: manages}, err
}

// managedDepartments lists the departments where person holds a role
// with users.manage (a shipped role that carries it, or a custom one
// granting it).
func (s *Service) managedDepartments(ctx context.Context, person int64) ([]int64, error) {
	rows, err := s.db.Query(unscoped(ctx), `SELECT m.department_id FROM memberships m JOIN roles r ON r.id = m.role_id
		WHERE m.person_id = $1 AND (r.name = ANY($2) AND r.builtin OR EXISTS (
			SELECT 1 FROM role_permissions rp WHERE rp.role_id = r.id AND rp.permission = $3))
		ORDER BY m.department_id`, person, shippedWith(access.UsersManage), string(access.UsersManage))
	if err != nil {
		return nil, fmt.Errorf("staff: managed departments: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("staff: managed departments: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Manages tells whether the viewer manages users in department dept.
func (v Viewer) Manages(dept int64) bool { return slices.Contains(v.manages, dept) }

// Sees tells whether the viewer may see person's membership m.
func (v Viewer) Sees(person int64, m Membership) bool {
	return v.personID != 0 && person == v.personID || v.Manages(m.DepartmentID)
}

// Shown is p with only the memberships the viewer sees.
func (v Viewer) Shown(p Person) Person {
	ms := make([]Membership, 0, len(p.Memberships))
	for _, m := range p.Memberships {
		if v.Sees(p.ID, m) {
			ms = append(ms, m)
		}
	}
	p.Memberships = ms
	return p
}

// ShownAll is Shown of each of ps.
func (v Viewer) ShownAll(ps []Person) []Person {
	out := make([]Person, len(ps))
	for i, p := range ps {
		out[i] = v.Shown(p)
	}
	return out
}

// OwnDepartments lists the departments the actor of ctx belongs to (a
// service token: its own): all of the installation's departments anyone
// but the operator may see named.
func (s *Service) OwnDepartments(ctx context.Context) ([]Department, error) {
	a, _ := access.ActorFrom(ctx)
	if a.PersonID == 0 {
		d, err := s.Department(ctx, a.DepartmentID)
		if err != nil {
			return nil, err
		}
		return []Department{d}, nil
	}
	ms, err := s.Memberships(ctx, a.PersonID)
	if err != nil {
		return nil, err
	}
	var out []Department
	for _, m := range ms {
		d, err := s.Department(ctx, m.DepartmentID)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
