package campaigns

import (
	"context"
	"fmt"
	"time"
)

// TimeBucket is one hour of a campaign's outcomes: deliveries that reached
// delivered or bounced in that hour, and of those how many were deferred
// at least once before (Deferred: more than one attempt).
type TimeBucket struct {
	Hour      time.Time `json:"hour"`
	Delivered int64     `json:"delivered"`
	Bounced   int64     `json:"bounced"`
	Deferred  int64     `json:"deferred"`
}

// Timeline returns a campaign's outcomes per hour, oldest first, the last
// 48 hours with any outcome.
func (s *Service) Timeline(ctx context.Context, id int64) ([]TimeBucket, error) {
	rows, err := s.db.Query(ctx, `SELECT * FROM (SELECT date_trunc('hour', done_at) AS h,
		count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'bounced'),
		count(*) FILTER (WHERE attempts > 1)
		FROM deliveries WHERE campaign_id = $1 AND status IN ('sent', 'bounced') AND done_at IS NOT NULL
		GROUP BY 1 ORDER BY 1 DESC LIMIT 48) t ORDER BY h`, id)
	if err != nil {
		return nil, fmt.Errorf("campaigns: timeline: %w", err)
	}
	defer rows.Close()
	var out []TimeBucket
	for rows.Next() {
		var b TimeBucket
		if err := rows.Scan(&b.Hour, &b.Delivered, &b.Bounced, &b.Deferred); err != nil {
			return nil, fmt.Errorf("campaigns: timeline: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
