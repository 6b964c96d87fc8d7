package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// A client that closes its connection while the handler waits on Postgres
// is counted under code "499", not as a server error, and nothing is logged
// at ERROR; a real failure of the same route still counts 500 and logs.
func TestClientGoneIsNotAServerError(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	logs := &testenv.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	m := httpapi.NewHTTPMetrics(prometheus.NewRegistry())
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, log, nil, m)
	started := make(chan struct{}, 1)
	rt.Handle("GET", "/slow", httpapi.Public, func(w http.ResponseWriter, r *http.Request) error {
		started <- struct{}{}
		_, err := db.Exec(r.Context(), `SELECT pg_sleep(30)`)
		return err
	})
	rt.Handle("GET", "/broken", httpapi.Public, func(w http.ResponseWriter, r *http.Request) error {
		_, err := db.Exec(r.Context(), `SELECT no_such_column FROM contacts`)
		return err
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
	go func() {
		<-started
		cancel()
	}()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request was answered")
	}
	count := func(route, code string) float64 {
		return testutil.ToFloat64(m.Requests.WithLabelValues(route, code))
	}
	deadline := time.Now().Add(10 * time.Second)
	for count("GET /slow", "499") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := count("GET /slow", "499"); got != 1 {
		t.Fatalf(`code "499" counted %v times`, got)
	}
	for _, code := range []string{"500", "503"} {
		if got := count("GET /slow", code); got != 0 {
			t.Errorf("code %s counted %v times", code, got)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client going away logged as an error:\n%s", logs)
	}

	resp, err := http.Get(srv.URL + "/broken")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || count("GET /broken", "500") != 1 || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a server failure: status %d, counted %v, logs:\n%s", resp.StatusCode, count("GET /broken", "500"), logs)
	}
}
