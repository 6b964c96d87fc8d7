package optin_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/jobs"
)

// importedEmails returns the addresses of every contact, sorted.
func (e *env) importedEmails() []string {
	e.t.Helper()
	rows, err := e.db.Query(e.t.Context(), `SELECT email FROM contacts ORDER BY email`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// rowErrors maps a job's row errors by row.
func rowErrors(j jobs.Job) map[int64]jobs.RowError {
	out := map[int64]jobs.RowError{}
	for _, re := range j.Errors {
		out[re.Row] = re
	}
	return out
}

// TestImportUnclosedQuote: a quote that opens a field and does not close
// on its row is a row error naming the row, the column and "quote not
// closed"; it never joins the rows after it into one field, whether no
// later line closes it or a stray quote rows later does (which used to
// merge the rows between into the field, and drop them without a word).
// A stray quote inside an unquoted field costs its own row only. Every
// other row is imported as written.
func TestImportUnclosedQuote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	csv := "email,name,city\n" + // row 1
		"a@example.org,A,Utrecht\n" + // row 2
		"b@example.org,B,\"Zwolle\n" + // row 3: opens a quote in column 3 ...
		"c@example.org,C,Delft\n" + // row 4
		"d@example.org,D,Gouda\"\n" + // row 5: ... a stray quote here would close it (3 fields: "merged")
		"e@example.org,\"Eva\n" + // row 6: opens in column 2; no later line closes it
		"f@example.org,\"F,x\n" + // row 7: opens in column 2 too
		"g@example.org,Gé \"de\" G,Ede\n" + // row 8: quotes inside an unquoted field
		"h@example.org,H,Lisse\n" // row 9
	j := e.upload("source=import&purpose=news&format=csv", "text/csv", strings.NewReader(csv))
	if j.Status != "done" || j.Processed != 8 {
		t.Fatalf("job %+v", j)
	}
	errs := rowErrors(j)
	for row, field := range map[int64]string{3: "city", 6: "name", 7: "name"} {
		re, ok := errs[row]
		col := map[int64]string{3: "column 3", 6: "column 2", 7: "column 2"}[row]
		if !ok || re.Field != field || !strings.HasPrefix(re.Reason, "quote not closed") || !strings.Contains(re.Reason, col) {
			t.Errorf("row %d: %+v, want field %q and quote not closed in %s", row, re, field, col)
		}
	}
	for _, row := range []int64{5, 8} {
		if re, ok := errs[row]; !ok || !strings.Contains(re.Reason, "quote inside an unquoted field") {
			t.Errorf("row %d: %+v, want a stray quote reported", row, re)
		}
	}
	if len(errs) != 5 || j.Failed != 5 || j.Applied != 3 {
		t.Errorf("failed %d applied %d, errors %+v; want 5 failed (rows 3, 5, 6, 7, 8), 3 applied", j.Failed, j.Applied, j.Errors)
	}
	if got, want := e.importedEmails(), []string{"a@example.org", "c@example.org", "h@example.org"}; !slices.Equal(got, want) {
		t.Errorf("imported %v, want %v", got, want)
	}
	var city string
	e.db.QueryRow(t.Context(), `SELECT attributes->>'city' FROM contacts WHERE email = 'c@example.org'`).Scan(&city)
	if city != "Delft" {
		t.Errorf("c's city is %q", city)
	}
}

// TestImportOverLongLines: an NDJSON line or a CSV row over 1 MiB is a row
// error naming its row and the limit, and the rows after it are imported
// (the file used to fail as a whole); a CSV header over 64 KiB fails the
// file (no row can be read without it) with an error naming row 1 and the
// limit.
func TestImportOverLongLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("x", 1<<20+10)
	nd := `{"email":"a@example.org"}` + "\n" +
		`{"email":"b@example.org","name":"` + long + `"}` + "\n" +
		`{"email":"c@example.org"}` + "\n"
	j := e.upload("source=api&purpose=crm", "application/x-ndjson", strings.NewReader(nd))
	re := rowErrors(j)[2]
	if j.Status != "done" || j.Applied != 2 || j.Failed != 1 || !strings.Contains(re.Reason, "longer than 1 MiB") {
		t.Errorf("ndjson: job %+v", j)
	}
	csv := "email,name\nd@example.org,D\ne@example.org," + long + "\nf@example.org,F\n"
	j = e.upload("source=import&purpose=crm&format=csv", "text/csv", strings.NewReader(csv))
	re = rowErrors(j)[3]
	if j.Status != "done" || j.Applied != 2 || j.Failed != 1 || !strings.Contains(re.Reason, "longer than 1 MiB") {
		t.Errorf("csv: job %+v", j)
	}
	if got, want := e.importedEmails(), []string{"a@example.org", "c@example.org", "d@example.org", "f@example.org"}; !slices.Equal(got, want) {
		t.Errorf("imported %v, want %v", got, want)
	}
	j = e.upload("source=import&purpose=crm&format=csv", "text/csv", strings.NewReader("email,"+strings.Repeat("c", 65<<10)+"\ng@example.org,G\n"))
	if j.Status != "failed" || !strings.HasPrefix(j.Message, "row 1: ") || !strings.Contains(j.Message, "64 KiB") || j.Applied != 0 {
		t.Errorf("long header: job %+v", j)
	}
}
