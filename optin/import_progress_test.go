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
