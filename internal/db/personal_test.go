package db_test

import (
	"slices"
	"testing"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
)

// TestPersonalRegistryComplete checks db.PersonalTables and
// db.NonPersonalTables against the migrated schema: every table is in one of
// them, every registered column exists, and every column of a personal table
// is classified (Columns or OtherColumns), so a new column with personal data
// cannot slip past erasure and the access export.
func TestPersonalRegistryComplete(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	type colInfo struct {
		nullable, hasDefault bool
	}
	schema := map[string]map[string]colInfo{}
	rows, err := pool.Query(ctx, `SELECT c.table_name, c.column_name, c.is_nullable = 'YES', c.column_default IS NOT NULL
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, col string
		var ci colInfo
		if err := rows.Scan(&tbl, &col, &ci.nullable, &ci.hasDefault); err != nil {
			t.Fatal(err)
		}
		if schema[tbl] == nil {
			schema[tbl] = map[string]colInfo{}
		}
		schema[tbl][col] = ci
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(schema) == 0 {
		t.Fatal("no tables found in the migrated schema")
	}

	registered := map[string]bool{}
	for _, n := range db.NonPersonalTables {
		if registered[n] {
			t.Errorf("table %s is registered twice", n)
		}
		registered[n] = true
		if schema[n] == nil {
			t.Errorf("NonPersonalTables: table %s does not exist", n)
		}
	}
	for _, p := range db.PersonalTables {
		if registered[p.Table] {
			t.Errorf("table %s is registered twice (or in both lists)", p.Table)
		}
		registered[p.Table] = true
		cols := schema[p.Table]
		if cols == nil {
			t.Errorf("PersonalTables: table %s does not exist", p.Table)
			continue
		}
		if p.Erase != "delete" && p.Erase != "anonymise" {
			t.Errorf("PersonalTables %s: Erase is %q, want delete or anonymise", p.Table, p.Erase)
		}
		if p.ContactColumn == "" && p.EmailColumn == "" {
			t.Errorf("PersonalTables %s: needs ContactColumn or EmailColumn to find a contact's rows", p.Table)
		}
		seen := map[string]string{}
		classify := func(col, as string) {
			if col == "" {
				return
			}
			if _, ok := cols[col]; !ok {
				t.Errorf("PersonalTables %s: %s column %s does not exist", p.Table, as, col)
			}
			if prev, dup := seen[col]; dup && !(as == "Columns" && prev == "EmailColumn") && !(as == "EmailColumn" && prev == "Columns") {
				t.Errorf("PersonalTables %s: column %s is both %s and %s", p.Table, col, prev, as)
			}
			seen[col] = as
		}
		classify(p.ContactColumn, "ContactColumn")
		classify(p.EmailColumn, "EmailColumn")
		classify(p.HashColumn, "HashColumn")
		if p.HashColumn != "" && p.Erase != "delete" {
			t.Errorf("PersonalTables %s: rows found by HashColumn must be deleted (they name other people too)", p.Table)
		}
		for _, c := range p.Columns {
			classify(c, "Columns")
		}
		for _, c := range p.OtherColumns {
			classify(c, "OtherColumns")
		}
		var missing []string
		for c := range cols {
			if _, ok := seen[c]; !ok {
				missing = append(missing, c)
			}
		}
		slices.Sort(missing)
		for _, c := range missing {
			t.Errorf("PersonalTables %s: column %s is not classified: add it to Columns (personal data) or OtherColumns", p.Table, c)
		}
		if p.Erase == "anonymise" {
			// Anonymisation nulls the link and the personal columns, or sets
			// NOT NULL ones to their default.
			for _, c := range append([]string{p.ContactColumn, p.EmailColumn}, p.Columns...) {
				if ci, ok := cols[c]; ok && !ci.nullable && !ci.hasDefault {
					t.Errorf("PersonalTables %s (anonymise): column %s is NOT NULL without a default, so it cannot be anonymised", p.Table, c)
				}
			}
			for _, c := range []string{p.ContactColumn, p.EmailColumn} {
				if ci, ok := cols[c]; ok && !ci.nullable {
					t.Errorf("PersonalTables %s (anonymise): link column %s must be nullable", p.Table, c)
				}
			}
		}
	}
	var unregistered []string
	for tbl := range schema {
		if !registered[tbl] {
			unregistered = append(unregistered, tbl)
		}
	}
	slices.Sort(unregistered)
	for _, tbl := range unregistered {
		t.Errorf("table %s is in neither db.PersonalTables nor db.NonPersonalTables (internal/db/personal.go)", tbl)
	}
}
