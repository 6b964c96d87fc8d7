package db_test

import (
	"testing"
)

// TestBlocklistMovesToItsDepartments: when the blocklist becomes per
// department, an entry stays in its department; a complaint entry that
// system work wrote in the default department is copied to each department
// whose contact with the address is marked blocklisted, and leaves the
// default department when that holds no contact with the address.
func TestBlocklistMovesToItsDepartments(t *testing.T) {
	pool, migs := migratedBefore(t, 190)
	ctx := t.Context()
	perDept := migs[0]
	if _, err := pool.Exec(ctx, `
		INSERT INTO departments (id, slug, name) VALUES (2, 'sales', 'Sales'), (3, 'support', 'Support');
		INSERT INTO contacts (email, status, department_id, source, updated_source) SELECT e, s, d, 'api', 'api' FROM (VALUES
			('both@example.org', 'blocklisted', 1), ('both@example.org', 'blocklisted', 2),
			('salesonly@example.org', 'blocklisted', 2), ('salesonly@example.org', 'active', 3),
			('manual@example.org', 'active', 2)) v (e, s, d);
		INSERT INTO blocklist (email_hash, email, reason, department_id) VALUES
			('\x01', 'both@example.org', 'complaint', 1),
			('\x02', 'salesonly@example.org', 'complaint', 1),
			('\x03', 'manual@example.org', 'manual', 3),
			('\x04', NULL, 'complaint', 1);`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, perDept.SQL); err != nil {
		t.Fatalf("migration 190: %v", err)
	}
	got := texts(t, pool, `SELECT department_id || ':' || coalesce(email, encode(email_hash, 'hex')) || ':' || reason
		FROM blocklist ORDER BY department_id, email_hash`)
	want := []string{"1:both@example.org:complaint", "1:04:complaint", "2:both@example.org:complaint",
		"2:salesonly@example.org:complaint", "3:manual@example.org:manual"}
	if len(got) != len(want) {
		t.Fatalf("blocklist after migration 190:\n got %q\nwant %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
