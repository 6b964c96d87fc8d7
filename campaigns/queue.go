package campaigns

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// group is the consumer group every sender reads a campaign's stream with.
const group = "send"

// streamKey is the campaign's queue: <prefix>{c<id>}:q.
func (s *Service) streamKey(id int64) string {
	return s.opt.KeyPrefix + "{c" + strconv.FormatInt(id, 10) + "}:q"
}

// retryKey is the campaign's retry set: <prefix>{c<id>}:retry.
func (s *Service) retryKey(id int64) string {
	return s.opt.KeyPrefix + "{c" + strconv.FormatInt(id, 10) + "}:retry"
}

func defaultConsumer() string {
	h, _ := os.Hostname()
	if h == "" {
		h = "node"
	}
	return fmt.Sprintf("%s-%d", h, os.Getpid())
}

// ensureGroup creates the stream and its consumer group when missing.
func (s *Service) ensureGroup(ctx context.Context, id int64) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.streamKey(id), group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("campaigns: create consumer group: %w", err)
	}
	return nil
}

// enqueue adds contact ids to the campaign's stream in one pipeline.
func (s *Service) enqueue(ctx context.Context, id int64, contactIDs []int64) error {
	if len(contactIDs) == 0 {
		return nil
	}
	key := s.streamKey(id)
	for start := 0; start < len(contactIDs); start += 5000 {
		end := min(start+5000, len(contactIDs))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, cid := range contactIDs[start:end] {
				p.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"c", strconv.FormatInt(cid, 10)}})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("campaigns: enqueue: %w", err)
		}
	}
	return nil
}

// moveDueScript moves up to ARGV[2] members of the retry set KEYS[1] whose
// score (due time, unix ms) is at most ARGV[1] into the stream KEYS[2].
// Both keys share the campaign's hash tag.
var moveDueScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('XADD', KEYS[2], '*', 'c', m)
end
return #due
`)

// moveDue moves the campaign's due retries back into its stream.
func (s *Service) moveDue(ctx context.Context, id int64, now time.Time) (int, error) {
	n, err := moveDueScript.Run(ctx, s.rdb, []string{s.retryKey(id), s.streamKey(id)},
		now.UnixMilli(), 1000).Int()
	if err != nil {
		return 0, fmt.Errorf("campaigns: move due retries: %w", err)
	}
	return n, nil
}

// queueLen is the entries in the stream (read or not: acknowledged entries
// are deleted) plus the retry set, read in one MULTI: due retries move from
// the set to the stream atomically, and two separate reads could see an
// entry in neither.
func (s *Service) queueLen(ctx context.Context, id int64) (stream, retry int64, err error) {
	var xl *redis.IntCmd
	var zl *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		xl = p.XLen(ctx, s.streamKey(id))
		zl = p.ZCard(ctx, s.retryKey(id))
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("campaigns: queue length: %w", err)
	}
	return xl.Val(), zl.Val(), nil
}

// dropQueue deletes the campaign's Redis keys.
func (s *Service) dropQueue(ctx context.Context, id int64) error {
	// One key at a time: both share a slot, but keep it simple and cluster safe.
	for _, k := range []string{s.streamKey(id), s.retryKey(id)} {
		if err := s.rdb.Del(ctx, k).Err(); err != nil {
			return fmt.Errorf("campaigns: drop queue: %w", err)
		}
	}
	return nil
}

// entry is one stream entry: the contact to send to.
type entry struct {
	streamID  string
	contactID int64
	enqueued  time.Time
}

func parseEntries(msgs []redis.XMessage) []entry {
	out := make([]entry, 0, len(msgs))
	for _, m := range msgs {
		e := entry{streamID: m.ID}
		if v, ok := m.Values["c"].(string); ok {
			e.contactID, _ = strconv.ParseInt(v, 10, 64)
		}
		if ms, _, ok := strings.Cut(m.ID, "-"); ok {
			if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
				e.enqueued = time.UnixMilli(n)
			}
		}
		out = append(out, e)
	}
	return out
}

// QueueStat is the Redis queue of one running or paused campaign.
type QueueStat struct {
	CampaignID int64  `json:"campaign_id"`
	Status     string `json:"status"`
	// Ready entries wait to be read; Pending were read by a worker and not
	// yet recorded; Retry wait for a retry.
	Ready   int64 `json:"ready"`
	Pending int64 `json:"pending"`
	Retry   int64 `json:"retry"`
	// OldestSeconds is the age of the oldest entry (0 when empty).
	OldestSeconds float64 `json:"oldest_seconds"`
}

// QueueStats returns the queues of the running and paused campaigns.
func (s *Service) QueueStats(ctx context.Context) ([]QueueStat, error) {
	qs, err := s.queuedCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	return qs, s.fillQueueStats(ctx, qs)
}

// queuedCampaigns returns the running and paused campaigns (id and status
// only; fillQueueStats reads their queues).
func (s *Service) queuedCampaigns(ctx context.Context) ([]QueueStat, error) {
	rows, err := s.db.Query(ctx, `SELECT id, status FROM campaigns WHERE status IN ('running', 'paused') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("campaigns: queue stats: %w", err)
	}
	qs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueStat, error) {
		var q QueueStat
		return q, r.Scan(&q.CampaignID, &q.Status)
	})
	if err != nil {
		return nil, fmt.Errorf("campaigns: queue stats: %w", err)
	}
	return qs, nil
}

// fillQueueStats reads the Redis side of each campaign's queue into qs.
func (s *Service) fillQueueStats(ctx context.Context, qs []QueueStat) error {
	out := qs
	now := time.Now()
	for i := range out {
		q := &out[i]
		stream, retry, err := s.queueLen(ctx, q.CampaignID)
		if err != nil {
			return err
		}
		q.Retry = retry
		if p, err := s.rdb.XPending(ctx, s.streamKey(q.CampaignID), group).Result(); err == nil {
			q.Pending = p.Count
		}
		q.Ready = max(stream-q.Pending, 0)
		if msgs, err := s.rdb.XRangeN(ctx, s.streamKey(q.CampaignID), "-", "+", 1).Result(); err == nil && len(msgs) == 1 {
			if es := parseEntries(msgs); !es[0].enqueued.IsZero() {
				q.OldestSeconds = now.Sub(es[0].enqueued).Seconds()
			}
		}
	}
	return nil
}
