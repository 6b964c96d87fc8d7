package campaigns

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// QueueStat is one active campaign's work in flight in Redis.
type QueueStat struct {
	CampaignID int64  `json:"campaign_id"`
	Status     string `json:"status"`
	// Stream counts the entries in the campaign's stream: waiting or read
	// but not yet acknowledged.
	Stream int64 `json:"stream"`
	// Pending counts the entries read by a sender and not yet acknowledged.
	Pending int64 `json:"pending"`
	// Retry counts deferred messages waiting in the retry set.
	Retry int64 `json:"retry"`
	// OldestAge is the age of the oldest entry in the stream (0 when empty).
	OldestAge time.Duration `json:"oldest_age"`
}

// QueueStats reports the Redis queue of every running or paused campaign.
func (s *Service) QueueStats(ctx context.Context) ([]QueueStat, error) {
	rows, err := s.db.Query(ctx, `SELECT id, status FROM campaigns WHERE status IN ('running', 'paused') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("campaigns: queue stats: %w", err)
	}
	var out []QueueStat
	for rows.Next() {
		var q QueueStat
		if err := rows.Scan(&q.CampaignID, &q.Status); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.queueStat(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// queueStat fills q's Redis counts in one pipeline.
func (s *Service) queueStat(ctx context.Context, q *QueueStat) error {
	key := s.streamKey(q.CampaignID)
	var xl, zl *redis.IntCmd
	var pend *redis.XPendingCmd
	var first *redis.XMessageSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		xl = p.XLen(ctx, key)
		zl = p.ZCard(ctx, s.retryKey(q.CampaignID))
		pend = p.XPending(ctx, key, group)
		first = p.XRangeN(ctx, key, "-", "+", 1)
		return nil
	})
	// A campaign whose stream or group does not exist yet has nothing queued.
	if err != nil && !isNoGroup(err) {
		return fmt.Errorf("campaigns: queue stats %d: %w", q.CampaignID, err)
	}
	q.Stream, q.Retry = xl.Val(), zl.Val()
	if pend.Err() == nil {
		q.Pending = pend.Val().Count
	}
	if es := parseEntries(first.Val()); len(es) == 1 && !es[0].enqueued.IsZero() {
		q.OldestAge = time.Since(es[0].enqueued)
	}
	return nil
}

func isNoGroup(err error) bool {
	return err != nil && len(err.Error()) >= 7 && err.Error()[:7] == "NOGROUP"
}
