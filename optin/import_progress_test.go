package optin_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// watchedFile is an uploaded file that, when the import reads its rows,
// notes the job as it stands then.
type watchedFile struct {
	*strings.Reader
	read func()
	seen bool
}

func (f *watchedFile) Read(p []byte) (int, error) {
	pos, _ := f.Seek(0, io.SeekCurrent)
	if pos == 0 && f.seen {
		f.read()
	}
	if pos == 0 {
		f.seen = true
	}
	return f.Reader.Read(p)
}

// TestImportRecordsItsTotal: while an uploaded file is imported the job
// knows how many rows the file holds (lines less the header), so its
// progress is rows done of rows in all, not 0% until the end; once done
// the total is the rows read.
func TestImportRecordsItsTotal(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	js := jobs.NewStore(pool)
	im := optin.NewImporter(pool, contacts.NewStore(pool, strings.Repeat("k", 32), 2), js, testenv.Logger(t))
	job, err := js.Start(ctx, "import", nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	during := int64(-1)
	f := &watchedFile{Reader: strings.NewReader("email,name\na@example.org,A\nb@example.org,B\nnot an address,C\nd@example.org,D")}
	f.read = func() {
		j, err := js.Get(context.Background(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		during = j.Total
	}
	if err := im.Run(ctx, job.ID, f, optin.ImportParams{Format: "csv", Source: "import", Purpose: "news"}); err != nil {
		t.Fatal(err)
	}
	if during != 4 {
		t.Errorf("while importing, the job's total is %d, want the file's 4 rows", during)
	}
	j, err := js.Get(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != "done" || j.Total != 4 || j.Processed != 4 || j.Failed != 1 {
		t.Errorf("done: %s total %d processed %d failed %d, want done 4 4 1", j.Status, j.Total, j.Processed, j.Failed)
	}
}

// TestImportMultilineFieldKeepsRowNumbers: a quoted field holding line
// breaks is one record over several lines. The rows after it keep their
// numbers: an error names the line its record starts on (as an editor
// shows the file), and the job counts records, not lines.
func TestImportMultilineFieldKeepsRowNumbers(t *testing.T) {
	pool := testenv.DB(t)
	ctx := t.Context()
	js := jobs.NewStore(pool)
	im := optin.NewImporter(pool, contacts.NewStore(pool, strings.Repeat("k", 32), 2), js, testenv.Logger(t))
	job, err := js.Start(ctx, "import", nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	file := "email,name,note\n" + // line 1
		"a@example.org,A,\"first line\nsecond line\nthird line\"\n" + // lines 2-4
		"not an address,B,x\n" + // line 5
		"c@example.org,C,\"one\r\ntwo\"\n" + // lines 6-7
		"d@example.org,D,\"x\"\"y\"\n" + // line 8
		"also bad,E,y\n" // line 9
	if err := im.Run(ctx, job.ID, io.NopCloser(strings.NewReader(file)), optin.ImportParams{Format: "csv", Source: "import", Purpose: "news"}); err != nil {
		t.Fatal(err)
	}
	j, err := js.Get(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != "done" || j.Total != 5 || j.Processed != 5 || j.Applied != 3 || j.Failed != 2 {
		t.Errorf("done: %s total %d processed %d applied %d failed %d, want done 5 5 3 2", j.Status, j.Total, j.Processed, j.Applied, j.Failed)
	}
	var rows []int64
	for _, e := range j.Errors {
		rows = append(rows, e.Row)
	}
	if len(rows) != 2 || rows[0] != 5 || rows[1] != 9 {
		t.Errorf("errors name rows %v, want the lines the records start on, [5 9]: %+v", rows, j.Errors)
	}
	var note string
	if err := pool.QueryRow(ctx, `SELECT attributes->>'note' FROM contacts WHERE email = 'a@example.org'`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if note != "first line\nsecond line\nthird line" {
		t.Errorf("the multiline field is stored as %q", note)
	}
}
