package privacy_test

import (
	"context"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/privacy"
)

// TestRequestMailAuditedInTheContactsDepartment: the verification mail of a
// privacy request made on another department's form is audited in that
// department, where its privacy officer looks, not in the default one.
func TestRequestMailAuditedInTheContactsDepartment(t *testing.T) {
	t.Parallel()
	e, _, _ := requestEnv(t, privacy.Options{})
	bg := context.Background()
	var sales int64
	if err := e.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	ctx := access.WithDepartment(bg, sales)
	if _, err := e.cs.Create(ctx, contacts.New{Email: "s@example.org", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestByEmail(ctx, "s@example.org", "access", "", "203.0.113.9", "ua", "en"); err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	var dept int64
	var n int
	if err := e.db.QueryRow(bg, `SELECT count(*), coalesce(min(department_id), 0) FROM audit_log WHERE action = 'request-mailed'`).Scan(&n, &dept); err != nil {
		t.Fatal(err)
	}
	if n != 1 || dept != sales {
		t.Errorf("%d request-mailed entries in department %d, want 1 in %d", n, dept, sales)
	}
}
