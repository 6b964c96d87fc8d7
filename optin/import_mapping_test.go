package optin_test

import (
	"io"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// TestImportColumnMapping: a CSV whose address column is called
// "E-mailadres" imports when the mapping names it (and the name column),
// the other columns become attributes; without the mapping, or with a
// mapping to a column the file lacks, the file is refused naming it.
func TestImportColumnMapping(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	js := jobs.NewStore(pool)
	im := optin.NewImporter(pool, contacts.NewStore(pool, strings.Repeat("k", 32), 2), js, testenv.Logger(t))
	const file = "Volledige naam,E-mailadres,Stad\nAnne de Vries,anne@example.org,Utrecht\nBram Jansen,bram@example.org,Gouda\n"
	run := func(p optin.ImportParams) error {
		t.Helper()
		job, err := js.Start(ctx, "import", nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		p.Format, p.Source, p.Purpose = "csv", "import", "news"
		return im.Run(ctx, job.ID, io.NopCloser(strings.NewReader(file)), p)
	}
	if err := run(optin.ImportParams{}); err == nil || !strings.Contains(err.Error(), "no email column") {
		t.Errorf("without mapping: %v; want no email column", err)
	}
	if err := run(optin.ImportParams{EmailColumn: "E-mailadres", NameColumn: "Naam"}); err == nil || !strings.Contains(err.Error(), `"Naam"`) {
		t.Errorf("mapping to a missing name column: %v; want it named", err)
	}
	if err := run(optin.ImportParams{EmailColumn: "e-mailadres", NameColumn: "Volledige naam"}); err != nil {
		t.Fatal(err)
	}
	var name, city string
	if err := pool.QueryRow(ctx, `SELECT name, attributes->>'stad' FROM contacts WHERE email = 'bram@example.org'`).Scan(&name, &city); err != nil {
		t.Fatal(err)
	}
	if name != "Bram Jansen" || city != "Gouda" {
		t.Errorf("imported name %q, stad %q; want Bram Jansen, Gouda", name, city)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n); err != nil || n != 2 {
		t.Errorf("contacts: %d, %v; want 2", n, err)
	}
}
