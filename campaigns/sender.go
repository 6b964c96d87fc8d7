package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// Sender runs the send workers of one process. Run it with Run; Stop makes
// the workers finish their batch and return (phase one of shutdown).
type Sender struct {
	s    *Service
	stop chan struct{}
	once sync.Once

	mu      sync.RWMutex
	running []int64 // running campaigns, refreshed every tick
}

// NewSender returns a sender on s.
func (s *Service) NewSender() *Sender { return &Sender{s: s, stop: make(chan struct{})} }

// Stop asks the workers to stop reading; in-flight batches finish.
func (x *Sender) Stop() { x.once.Do(func() { close(x.stop) }) }

func (x *Sender) stopped() bool {
	select {
	case <-x.stop:
		return true
	default:
		return false
	}
}

// Run runs the watcher (campaign states, due retries, queue metrics) and
// Options.Workers workers until Stop is called or ctx ends. Deliveries use
// ctx: cancel it only after the drain deadline.
func (x *Sender) Run(ctx context.Context) error {
	if x.s.opt.Transport == nil {
		return errors.New("campaigns: sender needs a transport")
	}
	if err := x.refresh(ctx); err != nil {
		x.s.log.Error("campaigns: sender: reading campaign states", "error", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		x.watch(ctx)
	}()
	for i := 0; i < x.s.opt.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.work(ctx, x.s.opt.Consumer+"-w"+strconv.Itoa(i))
		}()
	}
	wg.Wait()
	return nil
}

// watch refreshes the running campaigns (so pause and cancel reach the
// workers within a tick), moves due retries back into the queues and
// updates the queue metrics.
func (x *Sender) watch(ctx context.Context) {
	t := time.NewTicker(x.s.opt.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.stop:
			return
		case <-t.C:
		}
		if err := x.refresh(ctx); err != nil && ctx.Err() == nil {
			x.s.log.Error("campaigns: sender: reading campaign states", "error", err)
		}
	}
}

func (x *Sender) refresh(ctx context.Context) error {
	rows, err := x.s.db.Query(ctx, `SELECT id FROM campaigns WHERE status = 'running' ORDER BY id`)
	if err != nil {
		return err
	}
	running, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	keep := map[int64]bool{}
	for _, id := range running {
		keep[id] = true
	}
	x.mu.Lock()
	x.running = running
	x.mu.Unlock()
	x.s.forget(keep)
	now := time.Now()
	for _, id := range running {
		if _, err := x.s.moveDue(ctx, id, now); err != nil {
			return err
		}
	}
	qs, err := x.s.QueueStats(ctx)
	if err != nil {
		return err
	}
	var depth, pending, retry int64
	var oldest float64
	for _, q := range qs {
		depth, pending, retry = depth+q.Ready, pending+q.Pending, retry+q.Retry
		oldest = max(oldest, q.OldestSeconds)
	}
	x.s.m.queueDepth.WithLabelValues("ready").Set(float64(depth))
	x.s.m.queueDepth.WithLabelValues("pending").Set(float64(pending))
	x.s.m.queueDepth.WithLabelValues("retry").Set(float64(retry))
	x.s.m.oldestAge.Set(oldest)
	return nil
}

func (x *Sender) campaigns() []int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.running
}

// work is one worker: it reads a batch from a running campaign's stream
// (taking turns between campaigns), sends it and records the outcomes;
// when there is nothing new it claims entries left pending by dead workers.
func (x *Sender) work(ctx context.Context, consumer string) {
	turn := 0
	lastClaim := time.Now()
	for !x.stopped() && ctx.Err() == nil {
		ids := x.campaigns()
		did := false
		for i := range ids {
			id := ids[(turn+i)%len(ids)]
			n, err := x.readAndSend(ctx, id, consumer)
			if err != nil && ctx.Err() == nil {
				x.s.log.Error("campaigns: send batch failed; entries stay pending", "campaign_id", id, "error", err)
			}
			if n > 0 {
				did = true
				turn = (turn + i + 1) % max(len(ids), 1)
				break
			}
		}
		if !did && time.Since(lastClaim) > x.s.opt.ClaimIdle/4 {
			lastClaim = time.Now()
			for _, id := range ids {
				n, err := x.claimAndSend(ctx, id, consumer)
				if err != nil && ctx.Err() == nil {
					x.s.log.Error("campaigns: reclaim failed", "campaign_id", id, "error", err)
				}
				did = did || n > 0
			}
		}
		if !did {
			select {
			case <-ctx.Done():
			case <-x.stop:
			case <-time.After(min(100*time.Millisecond, x.s.opt.Tick)):
			}
		}
	}
}

func (x *Sender) readAndSend(ctx context.Context, id int64, consumer string) (int, error) {
	res, err := x.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer,
		Streams: []string{x.s.streamKey(id), ">"}, Count: int64(x.s.opt.BatchSize), Block: -1}).Result()
	if errors.Is(err, redis.Nil) || (err != nil && strings.HasPrefix(err.Error(), "NOGROUP")) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read queue: %w", err)
	}
	if len(res) == 0 || len(res[0].Messages) == 0 {
		return 0, nil
	}
	es := parseEntries(res[0].Messages)
	return len(es), x.s.sendBatch(ctx, id, es)
}

// claimAndSend takes over entries pending longer than ClaimIdle (their
// worker died) and sends those not yet recorded as done.
func (x *Sender) claimAndSend(ctx context.Context, id int64, consumer string) (int, error) {
	msgs, _, err := x.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: x.s.streamKey(id), Group: group,
		Consumer: consumer, MinIdle: x.s.opt.ClaimIdle, Start: "0-0", Count: int64(x.s.opt.BatchSize)}).Result()
	if errors.Is(err, redis.Nil) || (err != nil && strings.HasPrefix(err.Error(), "NOGROUP")) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	x.s.m.reclaimed.Add(float64(len(msgs)))
	return len(msgs), x.s.sendBatch(ctx, id, parseEntries(msgs))
}
