package db_test

import (
	"testing"
)

// TestCustomRolesMoveToTheDepartmentsThatUseThem: when custom roles get an
// owning department, a role used in one department goes to it; a role used
// in two is copied so that each keeps the same permissions and its people
// and tokens keep theirs; an unused role goes to the default department;
// shipped roles belong to none.
func TestCustomRolesMoveToTheDepartmentsThatUseThem(t *testing.T) {
	pool, migs := migratedBefore(t, 175)
	ctx := t.Context()
	roles := migs[0]
	if _, err := pool.Exec(ctx, `
		INSERT INTO departments (id, slug, name) VALUES (2, 'sales', 'Sales'), (3, 'support', 'Support');
		INSERT INTO persons (id, email, status) VALUES (1, 'a@example.org', 'active'), (2, 'b@example.org', 'active'),
			(3, 'c@example.org', 'active');
		INSERT INTO roles (id, name) VALUES (101, 'ops'), (102, 'salesonly'), (103, 'unused');
		INSERT INTO role_permissions (role_id, permission) VALUES (101, 'lists.read'), (101, 'campaigns.send'),
			(102, 'contacts.read');
		INSERT INTO memberships (person_id, department_id, role_id) VALUES (1, 1, 101), (2, 2, 101), (3, 2, 102),
			(3, 1, (SELECT id FROM roles WHERE name = 'viewer'));
		INSERT INTO api_tokens (name, role, token_hash, department_id) VALUES ('svc', 'ops', '\x01', 3);`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, roles.SQL); err != nil {
		t.Fatalf("migration 175: %v", err)
	}

	// name, department → permissions, for every role.
	rows, err := pool.Query(ctx, `SELECT r.name, COALESCE(r.department_id, 0),
		COALESCE(string_agg(p.permission, ',' ORDER BY p.permission), '')
		FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id WHERE NOT r.builtin GROUP BY r.id`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var name, perms string
		var dept int64
		if err := rows.Scan(&name, &dept, &perms); err != nil {
			t.Fatal(err)
		}
		got[name+"@"+string(rune('0'+dept))] = perms
	}
	want := map[string]string{
		"ops@1": "campaigns.send,lists.read", "ops@2": "campaigns.send,lists.read", "ops@3": "campaigns.send,lists.read",
		"salesonly@2": "contacts.read", "unused@1": "",
	}
	if len(got) != len(want) {
		t.Errorf("custom roles %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("role %s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	// Every membership holds a shipped role or a role of its own department.
	var stray int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN roles r ON r.id = m.role_id
		WHERE r.department_id IS DISTINCT FROM m.department_id AND NOT r.builtin`).Scan(&stray); err != nil || stray != 0 {
		t.Errorf("%d memberships hold another department's role (%v)", stray, err)
	}
	var shippedOwned int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM roles WHERE builtin AND department_id IS NOT NULL`).Scan(&shippedOwned); err != nil || shippedOwned != 0 {
		t.Errorf("%d shipped roles belong to a department (%v)", shippedOwned, err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO roles (name, department_id) VALUES ('ops', 2)`); err == nil {
		t.Error("a second role ops in sales was stored")
	}
}
