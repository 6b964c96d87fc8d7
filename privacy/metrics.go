package privacy

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/db"
)

// requestsOpen is the number of open privacy requests by kind (access,
// erasure, rectification, restriction, objection) and overdue (true, false): past the one-month deadline of GDPR
// art. 12(3) or not. Read from Postgres at scrape time (every process with
// the service reports the same value: aggregate with max).
var requestsOpen = prometheus.NewDesc("postbode_privacy_requests_open",
	"Open privacy requests of data subjects, by kind and whether past their deadline.", []string{"kind", "overdue"}, nil)

type requestsCollector struct{ db *db.Pool }

func (c requestsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- requestsOpen }

// Collect counts open requests; when Postgres does not answer within 2 s the
// series are left out of this scrape.
func (c requestsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n := make([][2]int64, len(RequestKinds)) // [kind][overdue]
	rows, err := c.db.Query(ctx, `SELECT kind, due_at < now(), count(*) FROM privacy_requests WHERE status = 'open' GROUP BY 1, 2`)
	if err != nil {
		return
	}
	var kind string
	var overdue bool
	var count int64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &overdue, &count}, func() error {
		for k, v := range RequestKinds {
			if v == kind && overdue {
				n[k][1] = count
			} else if v == kind {
				n[k][0] = count
			}
		}
		return nil
	}); err != nil {
		return
	}
	for k, kind := range RequestKinds {
		for o, overdue := range []string{"false", "true"} {
			ch <- prometheus.MustNewConstMetric(requestsOpen, prometheus.GaugeValue, float64(n[k][o]), kind, overdue)
		}
	}
}
