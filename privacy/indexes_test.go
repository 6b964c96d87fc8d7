package privacy_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
)

// TestErasureIsIndexed: erasure and the export find a contact's rows in
// every registered table by ContactColumn (=), EmailColumn (lower() =) or
// HashColumn (&&); each needs an index, or erasing one contact scans the whole table.
func TestErasureIsIndexed(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	rows, err := pool.Query(t.Context(), `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	type ix struct{ Table, Def string }
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ix])
	if err != nil {
		t.Fatal(err)
	}
	has := func(table, lead string) bool {
		for _, i := range all {
			if i.Table == table && strings.Contains(i.Def, "USING btree ("+lead) {
				return true
			}
		}
		return false
	}
	hasGin := func(table, col string) bool {
		for _, i := range all {
			if i.Table == table && strings.Contains(i.Def, "USING gin ("+col+")") {
				return true
			}
		}
		return false
	}
	for _, p := range db.PersonalTables {
		if p.ContactColumn != "" && !has(p.Table, p.ContactColumn) {
			t.Errorf("%s: no index leading with %s (the contact link erasure matches on)", p.Table, p.ContactColumn)
		}
		if p.EmailColumn != "" && !has(p.Table, "lower("+p.EmailColumn+")") {
			t.Errorf("%s: no index on lower(%s) (the address erasure matches on)", p.Table, p.EmailColumn)
		}
		if p.HashColumn != "" && !hasGin(p.Table, p.HashColumn) {
			t.Errorf("%s: no gin index on %s (the address hashes erasure matches on)", p.Table, p.HashColumn)
		}
	}
}
