package optin_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// TestImportAnalyses checks that an import leaves statistics of the tables
// it filled, so the first campaign after it is planned on them.
func TestImportAnalyses(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `ALTER TABLE contacts SET (autovacuum_enabled = off);
		ALTER TABLE subscriptions SET (autovacuum_enabled = off)`); err != nil {
		t.Fatal(err)
	}
	js := jobs.NewStore(pool)
	list, err := optin.NewStore(pool).CreateList(ctx, optin.ListInput{Slug: ptr("news"), Name: ptr("News"), Purpose: ptr("news"), OptIn: ptr("single")})
	if err != nil {
		t.Fatal(err)
	}
	job, err := js.Start(ctx, "import", nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("email,name\n")
	for i := range 3000 {
		fmt.Fprintf(&sb, "user%d@example.org,User %d\n", i, i)
	}
	err = optin.NewImporter(pool, contacts.NewStore(pool, strings.Repeat("k", 32), 2), js, testenv.Logger(t)).Run(ctx, job.ID,
		io.NopCloser(strings.NewReader(sb.String())), optin.ImportParams{Format: "csv", Source: "import", Purpose: "news", Lists: []int64{list.ID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"contacts", "subscriptions"} {
		var tuples float64
		if err := pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = $1::regclass`, table).Scan(&tuples); err != nil {
			t.Fatal(err)
		}
		if tuples < 3000 {
			t.Errorf("%s: planner statistics say %.0f rows after importing 3000; want them analysed", table, tuples)
		}
	}
}
