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

// TestImportDelimiter: the delimiter is told from the header line. A
// semicolon file as Excel saves it in Dutch (BOM, CRLF, a comma inside a
// field, a quoted semicolon) and a tab file import; a header whose
// delimiter cannot be told is refused naming row 1, and nothing is
// imported; a header line beyond the bound is refused.
func TestImportDelimiter(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	js := jobs.NewStore(pool)
	im := optin.NewImporter(pool, contacts.NewStore(pool, strings.Repeat("k", 32), 2), js, testenv.Logger(t))
	run := func(file string) error {
		t.Helper()
		job, err := js.Start(ctx, "import", nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		return im.Run(ctx, job.ID, io.NopCloser(strings.NewReader(file)), optin.ImportParams{Format: "csv", Source: "import", Purpose: "news"})
	}
	count := func() (n int) {
		pool.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n)
		return n
	}
	for _, file := range []string{
		"naam;email,stad\nAnne;anne@example.org,Utrecht\n",
		"email;naam,email\n",
	} {
		err := run(file)
		if err == nil || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), "cannot tell which separates the columns") {
			t.Errorf("ambiguous header %q: %v", strings.SplitN(file, "\n", 2)[0], err)
		}
	}
	if err := run(""); err == nil || err.Error() != "row 1: the file is empty: it has no header line with the column names" {
		t.Errorf("empty file: %v", err)
	}
	if err := run(strings.Repeat("x", 70<<10)); err == nil || !strings.Contains(err.Error(), "row 1: the header line is longer") {
		t.Errorf("endless header: %v", err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d contacts after refused files", n)
	}

	semi := "\xEF\xBB\xBFE-mail;Name;Stad;Notitie\r\nanne@example.org;Anne de Vries;Utrecht, NL;\"zegt; hallo\"\r\nbram@example.org;Bram;Gouda;\r\n"
	if err := run(semi); err != nil {
		t.Fatalf("semicolon file: %v", err)
	}
	tab := "email\tname\tstad\ncees@example.org\tCees\tDelft\n"
	if err := run(tab); err != nil {
		t.Fatalf("tab file: %v", err)
	}
	for email, want := range map[string][3]string{
		"anne@example.org": {"Anne de Vries", "Utrecht, NL", "zegt; hallo"},
		"bram@example.org": {"Bram", "Gouda", ""},
		"cees@example.org": {"Cees", "Delft", ""},
	} {
		var name, city, note string
		if err := pool.QueryRow(ctx, `SELECT name, attributes->>'stad', coalesce(attributes->>'notitie', '') FROM contacts WHERE email = $1`, email).Scan(&name, &city, &note); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if got := [3]string{name, city, note}; got != want {
			t.Errorf("%s imported as %q, want %q", email, got, want)
		}
	}
}

// TestImportCROnlyLineEndings: a file whose lines end in a carriage return
// alone (Excel's "CSV (Macintosh)") is one line to a reader that splits at
// line feeds: its header would swallow every row and the import would end
// "done" with nothing imported and nothing reported. It is refused naming
// row 1 and saying why; a header column holding any other control
// character is refused too.
func TestImportCROnlyLineEndings(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	js := jobs.NewStore(pool)
	im := optin.NewImporter(pool, contacts.NewStore(pool, strings.Repeat("k", 32), 2), js, testenv.Logger(t))
	for file, want := range map[string]string{
		"email,name\ranne@example.org,Anne\rbram@example.org,Bram\r": "carriage return",
		"email,name\ranne@example.org,Anne\n":                        "carriage return",
		"email,na\x01me\nanne@example.org,Anne\n":                    "control character",
	} {
		job, err := js.Start(ctx, "import", nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		err = im.Run(ctx, job.ID, io.NopCloser(strings.NewReader(file)), optin.ImportParams{Format: "csv", Source: "import", Purpose: "news"})
		if err == nil || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error naming row 1 and %q", file, err, want)
		}
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d contacts after refused files", n)
	}
	// CRLF stays fine.
	job, _ := js.Start(ctx, "import", nil, "test")
	if err := im.Run(ctx, job.ID, io.NopCloser(strings.NewReader("email,name\r\nanne@example.org,Anne\r\n")), optin.ImportParams{Format: "csv", Source: "import", Purpose: "news"}); err != nil {
		t.Fatalf("CRLF file: %v", err)
	}
}
