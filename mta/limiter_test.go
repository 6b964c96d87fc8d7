package mta

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/testenv"
)

func TestLimiterDomainConcurrencyAcrossNodes(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	l := Limits{DomainConcurrency: 2}
	a := NewLimiter(rdb, prefix, l, prometheus.NewRegistry())
	b := NewLimiter(rdb, prefix, l, prometheus.NewRegistry())
	ctx := t.Context()
	_, rel1, err := a.Acquire(ctx, "example.net", 5)
	if err != nil {
		t.Fatal(err)
	}
	g, rel2, err := b.Acquire(ctx, "EXAMPLE.net", 5)
	if err != nil || g != 5 {
		t.Fatalf("second slot: %d %v", g, err)
	}
	// Both slots are held: a third holder on either node must wait.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, _, err := b.Acquire(short, "example.net", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third slot: err = %v, want to wait until the deadline", err)
	}
	// Another domain is independent.
	if _, rel, err := b.Acquire(ctx, "example.com", 1); err != nil {
		t.Fatal(err)
	} else {
		rel()
	}
	got := make(chan error, 1)
	go func() {
		_, rel, err := a.Acquire(ctx, "example.net", 1)
		if err == nil {
			rel()
		}
		got <- err
	}()
	rel1()
	rel1() // twice is harmless
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	rel2()
}

func TestLimiterRatesAcrossNodes(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	reg := prometheus.NewRegistry()
	l := Limits{GlobalPerSecond: 1000, DomainPerSecond: 20}
	a := NewLimiter(rdb, prefix, l, reg)
	b := NewLimiter(rdb, prefix, l, reg)
	ctx := t.Context()
	// The domain bucket holds one second's worth (20), shared by both nodes.
	ga, rel, err := a.Acquire(ctx, "example.net", 15)
	if err != nil {
		t.Fatal(err)
	}
	rel()
	gb, rel, err := b.Acquire(ctx, "example.net", 15)
	if err != nil {
		t.Fatal(err)
	}
	rel()
	if ga != 15 || gb < 1 || gb > 6 {
		t.Fatalf("granted %d then %d; want 15 then the rest of 20 (5, or a token more refilled)", ga, gb)
	}
	// The bucket is empty: the next Acquire waits for a token, and says so.
	g, rel, err := b.Acquire(ctx, "example.net", 1)
	if err != nil || g != 1 {
		t.Fatalf("after waiting: %d %v", g, err)
	}
	rel()
	if n := testutil.CollectAndCount(reg, "postbode_throttle_wait_seconds"); n == 0 {
		t.Fatal("no throttle wait observed")
	}
	// Tokens taken from the domain but refused globally go back.
	rdb2, prefix2 := testenv.Redis(t)
	c := NewLimiter(rdb2, prefix2, Limits{GlobalPerSecond: 3, DomainPerSecond: 100}, nil)
	if g, _, err := c.Acquire(ctx, "example.org", 10); err != nil || g != 3 {
		t.Fatalf("global cap: %d %v", g, err)
	}
	tok, err := rdb2.HGet(ctx, prefix2+"{d:example.org}:rate", "tok").Float64()
	if err != nil || tok < 96 {
		t.Fatalf("domain tokens after refund = %v (%v), want about 97", tok, err)
	}
}

func TestLimiterUnlimitedAndCancel(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	l := NewLimiter(rdb, prefix, Limits{}, nil)
	g, rel, err := l.Acquire(t.Context(), "example.net", 500)
	if err != nil || g != 500 {
		t.Fatalf("unlimited: %d %v", g, err)
	}
	rel()
	slow := NewLimiter(rdb, prefix, Limits{GlobalPerSecond: 1}, nil)
	slow.Acquire(t.Context(), "x", 1) // drain the single token
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, _, err := slow.Acquire(ctx, "x", 1); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Acquire: %v", err)
		}
	}()
	cancel()
	wg.Wait()
}

// scriptCounter counts the script calls (EVAL, EVALSHA) a client makes.
type scriptCounter struct {
	mu sync.Mutex
	n  int
}

func (c *scriptCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *scriptCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *scriptCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); n == "evalsha" || n == "eval" {
			c.mu.Lock()
			c.n++
			c.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (c *scriptCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestLimiterWaitsForItsOwnLeasesLocally: while a node itself holds every
// slot of a domain, a further holder on it waits for a local release and
// does not poll Redis; it gets the slot released, and released slots go
// back to Redis when no holder of the node takes them over.
func TestLimiterWaitsForItsOwnLeasesLocally(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	var calls scriptCounter
	rdb.AddHook(&calls)
	a := NewLimiter(rdb, prefix, Limits{DomainConcurrency: 2}, prometheus.NewRegistry())
	ctx := t.Context()
	var rels []func()
	for range 2 {
		_, rel, err := a.Acquire(ctx, "example.net", 1)
		if err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	before := calls.count()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, _, err := a.Acquire(short, "example.net", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third slot: err = %v, want to wait until the deadline", err)
	}
	if n := calls.count() - before; n != 0 {
		t.Errorf("waiting for its own slots, the node asked Redis %d times", n)
	}
	got := make(chan error, 1)
	go func() {
		_, rel, err := a.Acquire(ctx, "example.net", 1)
		if err == nil {
			rel()
		}
		got <- err
	}()
	rels[0]()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	rels[1]()
	// A released lease stays with the node for a moment: the next holder
	// takes it over without asking Redis.
	before = calls.count()
	for range 3 {
		_, rel, err := a.Acquire(ctx, "example.net", 1)
		if err != nil {
			t.Fatal(err)
		}
		rel()
	}
	if n := calls.count() - before; n != 0 {
		t.Errorf("taking over its released leases, the node asked Redis %d times", n)
	}
	// Then it gives them back: another node gets both slots.
	b := NewLimiter(rdb, prefix, Limits{DomainConcurrency: 2}, prometheus.NewRegistry())
	long, cancel2 := context.WithTimeout(ctx, 10*time.Second)
	defer cancel2()
	for range 2 {
		_, rel, err := b.Acquire(long, "example.net", 1)
		if err != nil {
			t.Fatalf("other node: %v (the idle leases were not given back)", err)
		}
		defer rel()
	}
}

// TestLimiterTakesOverOnlyLeasesWithTimeLeft: a node that keeps taking
// over its own released lease does not keep it past its TTL in Redis (it
// would expire there and another node would get the same slot): a lease
// with less than half its TTL left goes back to Redis and a fresh one is
// taken. Two nodes share one slot; they never hold it at once.
func TestLimiterTakesOverOnlyLeasesWithTimeLeft(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	l := Limits{DomainConcurrency: 1, LeaseTTL: 400 * time.Millisecond}
	nodes := []*Limiter{NewLimiter(rdb, prefix, l, prometheus.NewRegistry()), NewLimiter(rdb, prefix, l, prometheus.NewRegistry())}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	var mu sync.Mutex
	holders, turns := 0, make([]int, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, rel, err := n.Acquire(ctx, "example.net", 1)
				if err != nil {
					return
				}
				mu.Lock()
				if holders++; holders > 1 {
					t.Errorf("node %d holds the only slot while the other does", i)
				}
				turns[i]++
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				holders--
				mu.Unlock()
				rel()
			}
		}()
	}
	wg.Wait()
	if turns[0]+turns[1] < 10 {
		t.Fatalf("turns %v: the nodes hardly held the slot", turns)
	}
}
