package pages_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// A visitor who closes the connection while the page waits on Postgres is
// counted under code "499" — not 503, and not logged as an error.
func TestClientGoneIsNotCountedAsUnavailable(t *testing.T) {
	t.Parallel()
	logs := &testenv.SyncBuffer{}
	m := httpapi.NewHTTPMetrics(prometheus.NewRegistry())
	e := newEnv(t, envOpt{metrics: &m, log: slog.New(slog.NewTextHandler(logs, nil))})
	e.list("news", "single")
	ctx := context.Background()
	// Hold the lists table so the subscribe form's query waits.
	tx, err := e.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE lists IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	go func() {
		for rctx.Err() == nil {
			// The only backend of this database that can wait for a lock is
			// the page's query.
			var waiting bool
			e.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
				AND wait_event_type = 'Lock')`).Scan(&waiting)
			if waiting {
				cancel()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	req, _ := http.NewRequestWithContext(rctx, "GET", e.url+"/s/news", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the page was answered while the table was locked")
	}
	count := func(code string) float64 {
		return testutil.ToFloat64(m.Requests.WithLabelValues("GET /s/{slug}", code))
	}
	deadline := time.Now().Add(10 * time.Second)
	for count("499") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := count("499"); got != 1 {
		t.Fatalf(`code "499" counted %v times`, got)
	}
	if got := count("503"); got != 0 {
		t.Errorf("code 503 counted %v times", got)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client going away logged as an error:\n%s", logs)
	}
	tx.Rollback(ctx)
	if r := e.get("/s/news"); r.code != 200 || count("200") != 1 {
		t.Errorf("after the lock: %d, 200 counted %v times", r.code, count("200"))
	}
}
