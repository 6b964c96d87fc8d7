package privacy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/privacy"
)

// With a Replica, the access export reads there and audits on the primary.
// The contact exists only in the "replica" database: an export that read
// the primary would not find it.
func TestExportReadsReplica(t *testing.T) {
	ctx := context.Background()
	replica := testenv.DB(t)
	f := newFixture(t, privacy.Options{})
	f.svc = privacy.New(privacy.Options{DB: f.db, Replica: replica, Contacts: f.cs, Log: testenv.Logger(t)})
	c, err := contacts.NewStore(replica, testSecret, 2).Create(ctx, contacts.New{Email: "only-on-replica@example.org", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.svc.Export(ctx, c.ID, "staff", "json")
	if err != nil {
		t.Fatalf("export with a replica: %v", err)
	}
	if len(ex.Tables["contacts"]) < 10 {
		t.Errorf("export has no contact row: %s", ex.Tables["contacts"])
	}
	var audits int
	f.db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE target_id = $1`, c.ID).Scan(&audits)
	if audits != 1 {
		t.Errorf("%d audit entries on the primary, want 1", audits)
	}
	noReplica := privacy.New(privacy.Options{DB: f.db, Contacts: f.cs, Log: testenv.Logger(t)})
	if _, err := noReplica.Export(ctx, c.ID, "staff", "json"); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("without a replica the export read %v, want not found on the primary", err)
	}
}
