package privacy

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// requestsOpen is the number of open privacy requests by kind (access,
// erasure) and overdue (true, false): past the one-month deadline of GDPR
// art. 12(3) or not. Read from Postgres at scrape time (every process with
// the service reports the same value: aggregate with max).
var requestsOpen = prometheus.NewDesc("postbode_privacy_requests_open",
	"Open privacy requests of data subjects, by kind and whether past their deadline.", []string{"kind", "overdue"}, nil)

type requestsCollector struct{ db *pgxpool.Pool }

func (c requestsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- requestsOpen }

// Collect counts open requests; when Postgres does not answer within 2 s the
// series are left out of this scrape.
func (c requestsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var n [2][2]int64 // [kind][overdue]
	err := c.db.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE kind = 'access' AND due_at >= now()), count(*) FILTER (WHERE kind = 'access' AND due_at < now()),
		count(*) FILTER (WHERE kind = 'erasure' AND due_at >= now()), count(*) FILTER (WHERE kind = 'erasure' AND due_at < now())
		FROM privacy_requests WHERE status = 'open'`).Scan(&n[0][0], &n[0][1], &n[1][0], &n[1][1])
	if err != nil {
		return
	}
	for k, kind := range RequestKinds {
		for o, overdue := range []string{"false", "true"} {
			ch <- prometheus.MustNewConstMetric(requestsOpen, prometheus.GaugeValue, float64(n[k][o]), kind, overdue)
		}
	}
}
