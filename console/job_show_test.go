package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/jobs"
)

// TestJobPageLabels: a finished job's page says "Done" once, as its
// status; the counts are labelled Applied and Not applied (Verwerkt, Niet
// verwerkt in Dutch), never with a status word.
func TestJobPageLabels(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := context.Background()
	js := jobs.NewStore(e.db)
	j, err := js.Start(ctx, "purge", nil, "person:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, e.db, func(tx pgx.Tx) error {
		return jobs.AdvanceTx(ctx, tx, j.ID, jobs.Progress{Processed: 5, Applied: 4, Failed: 1})
	}); err != nil {
		t.Fatal(err)
	}
	if err := js.Finish(ctx, j.ID, 5, nil); err != nil {
		t.Fatal(err)
	}
	c := e.consoleLogin("admin@example.org", "a long and quiet harbour 42", "")
	path := "/console/jobs/" + strconv.FormatInt(j.ID, 10)
	for _, tc := range []struct {
		lang, status string
		labels       []string
	}{
		{"en", "Done", []string{"<dt>Total</dt><dd>5</dd>", "<dt>Applied</dt><dd>4</dd>", "<dt>Not applied</dt><dd>1</dd>"}},
		{"nl", "Klaar", []string{"<dt>Totaal</dt><dd>5</dd>", "<dt>Verwerkt</dt><dd>4</dd>", "<dt>Niet verwerkt</dt><dd>1</dd>"}},
	} {
		if code, body := e.post("/console/language", url.Values{"lang": {tc.lang}}, c); code != http.StatusSeeOther {
			t.Fatalf("language %s: %d %.500s", tc.lang, code, body)
		}
		w := e.do("GET", path, nil, c)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %.1500s", tc.lang, w.Code, body)
		}
		box := body[strings.Index(body, `id="job-box"`):]
		if n := strings.Count(box, tc.status); n != 1 || !strings.Contains(box, "<strong>"+tc.status+"</strong>") {
			t.Errorf("%s: %q appears %d times in the job box, want once, as the status: %.1000s", tc.lang, tc.status, n, box)
		}
		for _, l := range tc.labels {
			if !strings.Contains(box, l) {
				t.Errorf("%s: no %s in the job box: %.1000s", tc.lang, l, box)
			}
		}
	}
}

// TestImportPageShowsRowsDone: a running import shows its progress as the
// share of the file's rows done and says "2 of 5 rows", not 0% until the
// end.
func TestImportPageShowsRowsDone(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	js := jobs.NewStore(e.pool)
	j, err := js.Start(ctx, "import", nil, "person:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := js.SetTotal(ctx, j.ID, 5); err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		return jobs.AdvanceTx(ctx, tx, j.ID, jobs.Progress{Processed: 2, Applied: 2})
	}); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, "import", e.get("/console/imports/"+strconv.FormatInt(j.ID, 10)), http.StatusOK)
	if !strings.Contains(body, `value="40"`) || !strings.Contains(body, "2 of 5 rows") {
		t.Errorf("a running import at 2 of 5 rows does not say so:\n%.3000s", body)
	}
	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "import in Dutch", e.get("/console/imports/"+strconv.FormatInt(j.ID, 10)), http.StatusOK)
	if !strings.Contains(body, "2 van 5 rijen") {
		t.Errorf("the Dutch page does not say 2 van 5 rijen:\n%.3000s", body)
	}
}
