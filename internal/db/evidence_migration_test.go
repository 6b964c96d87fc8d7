package db_test

import (
	"slices"
	"testing"
)

// TestEvidenceMovesToItsContactsDepartments: migration 400 moves evidence
// without proof that the shared listener filed under the default
// department to each department holding a contact of the address it
// names; the default department keeps its row only when it holds such a
// contact too, and keeps evidence naming nobody's address. Evidence a
// department's own intake filed, and bounces of contacts, stay.
func TestEvidenceMovesToItsContactsDepartments(t *testing.T) {
	pool, migs := migratedBefore(t, 400)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `
		INSERT INTO departments (id, slug, name) VALUES (2, 'sales', 'Sales'), (3, 'support', 'Support');
		INSERT INTO contacts (id, email, department_id, source, updated_source) VALUES
			(10, 'both@example.org', 1, 'api', 'api'), (11, 'Both@Example.org', 2, 'api', 'api'),
			(12, 'sales@example.org', 2, 'api', 'api'), (13, 'sales@example.org', 3, 'api', 'api');
		INSERT INTO bounces (recipient, class, source, outcome, department_id) VALUES
			('BOTH@example.org', 'hard', 'dsn', 'unauthenticated', 1),
			('sales@example.org', 'hard', 'dsn', 'unauthenticated', 1),
			('nobody@example.org', 'hard', 'dsn', 'unauthenticated', 1),
			(NULL, 'hard', 'dsn', 'unauthenticated', 1),
			('both@example.org', 'hard', 'webhook', 'unauthenticated', 3);
		INSERT INTO bounces (contact_id, recipient, class, source, department_id) VALUES (12, 'sales@example.org', 'hard', 'dsn', 2);`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, migs[0].SQL); err != nil {
		t.Fatalf("migration 400: %v", err)
	}
	got := texts(t, pool, `SELECT department_id || ':' || coalesce(lower(recipient), '-') || ':' || source || ':' || coalesce(contact_id::text, '-')
		FROM bounces ORDER BY 1`)
	want := []string{"1:-:dsn:-", "1:both@example.org:dsn:-", "1:nobody@example.org:dsn:-",
		"2:both@example.org:dsn:-", "2:sales@example.org:dsn:-", "2:sales@example.org:dsn:12",
		"3:both@example.org:webhook:-", "3:sales@example.org:dsn:-"}
	if !slices.Equal(got, want) {
		t.Errorf("bounces after migration 400:\n got %q\nwant %q", got, want)
	}
}
