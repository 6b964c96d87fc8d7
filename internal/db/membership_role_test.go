package db_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestMembershipRoleBelongsToItsDepartment: a membership that holds another
// department's custom role (written before the database checked it) moves
// to a role of its own department with the same permissions: the one of
// the same name when its permissions match, else a copy, renamed when the
// name is taken. Afterwards the database refuses such a membership,
// inserted or updated, and refuses moving a held role to another
// department; shipped roles stay valid everywhere.
func TestMembershipRoleBelongsToItsDepartment(t *testing.T) {
	pool, rest := migratedBefore(t, 180)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `
		INSERT INTO departments (id, slug, name) VALUES (2, 'sales', 'Sales'), (3, 'support', 'Support');
		INSERT INTO persons (id, email, status) VALUES (1, 'a@example.org', 'active'), (2, 'b@example.org', 'active'),
			(3, 'c@example.org', 'active'), (4, 'd@example.org', 'active');
		INSERT INTO roles (id, name, department_id) VALUES (201, 'ops', 2), (202, 'ops', 3), (203, 'ops', 1), (204, 'lone', 2);
		INSERT INTO role_permissions (role_id, permission) VALUES (201, 'lists.read'), (201, 'campaigns.send'),
			(202, 'lists.read'), (202, 'campaigns.send'), (203, 'contacts.read'), (204, 'lists.read');
		-- 1: sales' ops in support, where an equal ops exists; 2: sales' ops in
		-- default, whose ops differs; 3: sales' lone in support; 4: in order.
		INSERT INTO memberships (person_id, department_id, role_id) VALUES (1, 3, 201), (2, 1, 201), (3, 3, 204), (4, 2, 201),
			(4, 3, (SELECT id FROM roles WHERE name = 'viewer'));`); err != nil {
		t.Fatal(err)
	}
	for _, m := range rest {
		if _, err := pool.Exec(ctx, m.SQL); err != nil {
			t.Fatalf("migration %d: %v", m.Version, err)
		}
	}
	rows, err := pool.Query(ctx, `SELECT m.person_id, m.department_id, r.name, COALESCE(r.department_id, 0),
		COALESCE((SELECT string_agg(permission, ',' ORDER BY permission) FROM role_permissions WHERE role_id = r.id), '')
		FROM memberships m JOIN roles r ON r.id = m.role_id ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type held struct {
		person, dept int64
		role         string
		roleDept     int64
		perms        string
	}
	var got []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.person, &h.dept, &h.role, &h.roleDept, &h.perms); err != nil {
			t.Fatal(err)
		}
		got = append(got, h)
	}
	want := []held{
		{1, 3, "ops", 3, "campaigns.send,lists.read"},
		{2, 1, "ops-201", 1, "campaigns.send,lists.read"},
		{3, 3, "lone", 3, "lists.read"},
		{4, 2, "ops", 2, "campaigns.send,lists.read"},
		{4, 3, "viewer", 0, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("memberships %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("membership %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	refused := func(what, sql string) {
		t.Helper()
		_, err := pool.Exec(ctx, sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23514" || pe.ConstraintName != "memberships_role_department" {
			t.Errorf("%s: %v, want a check violation of memberships_role_department", what, err)
		}
	}
	refused("insert", `INSERT INTO memberships (person_id, department_id, role_id) VALUES (1, 1, 201)`)
	refused("update of the role", `UPDATE memberships SET role_id = 201 WHERE person_id = 1 AND department_id = 3`)
	refused("update of the department", `UPDATE memberships SET department_id = 1 WHERE person_id = 4 AND department_id = 2`)
	refused("moving a held role", `UPDATE roles SET department_id = 1 WHERE id = 201`)
	if _, err := pool.Exec(ctx, `INSERT INTO memberships (person_id, department_id, role_id) VALUES
		(1, 2, 201), (2, 3, (SELECT id FROM roles WHERE name = 'admin'))`); err != nil {
		t.Errorf("a role of the membership's department and a shipped role: %v", err)
	}
}
