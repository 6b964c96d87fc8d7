package campaigns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sender runs the send workers of one process. Run it with Run; Stop makes
// the workers finish their batch and return (phase one of shutdown).
type Sender struct {
	s    *Service
	stop chan struct{}
	once sync.Once

	mu      sync.RWMutex
	running []int64 // running campaigns, refreshed on a signal (see watch)

	// Read by watch only.
	queued []QueueStat // running and paused campaigns as last read
	read   statesRead  // when they were read
	// recheck is statesRecheck (longer in a test).
	recheck time.Duration
}

// statesRecheck is how long the sender trusts the campaign states it read
// while no state change is signalled: it reads them again at least this
// often (or every tick, when Tick is longer), in case a signal was lost.
const statesRecheck = 5 * time.Second

// NewSender returns a sender on s.
func (s *Service) NewSender() *Sender {
	return &Sender{s: s, stop: make(chan struct{}), recheck: statesRecheck}
}

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
// updates the queue metrics, every tick. The campaign states come from
// Postgres only when a change was signalled through Redis (signalStates)
// or statesRecheck has passed: reading them every tick on every sender
// node was Postgres work proportional to time, not to messages.
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

// refresh reads the running and paused campaigns (in one statement, when a
// change was signalled or statesRecheck passed): the running ones are the
// workers' campaigns; the queues of both make the queue metrics.
func (x *Sender) refresh(ctx context.Context) error {
	sig, err := x.s.statesSignal(ctx)
	now := time.Now()
	if x.read.stale(sig, err, now, x.recheck) {
		// The signal is taken before the read: a change signalled after
		// it is read on the next tick.
		qs, err := x.s.queuedCampaigns(ctx)
		if err != nil {
			return err
		}
		x.queued, x.read = qs, statesRead{seen: sig, at: now}
	}
	qs := slices.Clone(x.queued)
	running := make([]int64, 0, len(qs))
	keep := map[int64]bool{}
	for _, q := range qs {
		if q.Status == StateRunning {
			running = append(running, q.CampaignID)
			keep[q.CampaignID] = true
		}
	}
	x.mu.Lock()
	x.running = running
	x.mu.Unlock()
	x.s.forget(keep)
	for _, id := range running {
		if _, err := x.s.moveDue(ctx, id, now); err != nil {
			return err
		}
	}
	if err := x.s.fillQueueStats(ctx, qs); err != nil {
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
// (taking turns between campaigns), sends it and records the outcomes, and
// now and then claims entries left pending by dead workers.
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
		// Entries of dead workers are claimed every quarter ClaimIdle, also
		// while new entries keep coming.
		if time.Since(lastClaim) > x.s.opt.ClaimIdle/4 {
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
	return len(es), x.s.sendBatch(ctx, id, consumer, es)
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
	return len(msgs), x.s.sendBatch(ctx, id, consumer, parseEntries(msgs))
}

// statesKey counts the changes of campaign states: <prefix>campaigns:states.
func (s *Service) statesKey() string { return s.opt.KeyPrefix + "campaigns:states" }

// signalStates tells every sender node that a campaign's state changed
// (started, paused, resumed, cancelled, finished), after the change is
// committed: they read the states on their next tick. A lost signal (Redis
// unreachable) delays the change by at most statesRecheck.
func (s *Service) signalStates(ctx context.Context) {
	if err := s.rdb.Incr(context.WithoutCancel(ctx), s.statesKey()).Err(); err != nil {
		s.log.Warn("campaigns: cannot signal a campaign state change; senders see it within "+statesRecheck.String(), "error", err)
	}
}

// statesRead is when a scheduler or sender last read the campaign states
// from Postgres: under which states signal, at what time.
type statesRead struct {
	seen int64
	at   time.Time
}

// stale reports whether the states must be read again: never read, the
// signal (sig, read with err) moved or could not be read, or recheck has
// passed since.
func (r statesRead) stale(sig int64, err error, now time.Time, recheck time.Duration) bool {
	return err != nil || r.at.IsZero() || sig != r.seen || now.Sub(r.at) >= recheck
}

// statesSignal reads the count of signalled state changes (0 before the first).
func (s *Service) statesSignal(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.statesKey()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
