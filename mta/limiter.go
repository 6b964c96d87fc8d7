package mta

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Limits are the sending throttles, shared by every node using the same
// Redis and prefix. Zero means unlimited.
type Limits struct {
	// GlobalPerSecond caps messages per second across all nodes.
	GlobalPerSecond int
	// DomainConcurrency caps parallel Acquire holders (connections) per destination domain.
	DomainConcurrency int
	// DomainPerSecond caps messages per second per destination domain.
	DomainPerSecond int
	// LeaseTTL is how long a concurrency slot outlives a crashed holder;
	// optional, default 10m. A holder must release within half of it (a
	// released lease is taken over by the node's next holder only while
	// at least half of it is left).
	LeaseTTL time.Duration
}

// Limiter enforces Limits with token buckets and leases in Redis (Lua
// scripts using the server's clock, so nodes need not agree on time). Keys:
//
//	<prefix>{throttle}:global        hash: global token bucket
//	<prefix>{d:<domain>}:rate        hash: the domain's token bucket
//	<prefix>{d:<domain>}:conc        sorted set: the domain's leases, scored by expiry
//
// Each script call touches the keys of one hash tag (Redis Cluster safe).
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	l      Limits
	wait   *prometheus.HistogramVec
	seq    uint64
	mu     sync.Mutex
	// held counts this node's leases in Redis per domain key, idle ones
	// included; while it holds DomainConcurrency of them no other can be
	// had, so a holder waits for a local release (freed) instead of asking
	// Redis again and again.
	held  map[string]int
	freed chan struct{} // closed and replaced on every local release
	// idle are released leases kept for leaseLinger (lease id -> domain
	// key): the next holder for the domain takes one over without a Redis
	// round trip, as a pooled connection outlives the batch that used it.
	idle map[string]string
	// written is when each of this node's leases was added to Redis: it
	// expires there LeaseTTL later, however often the node took it over.
	written map[string]time.Time
}

// leaseLinger is how long a released lease stays with the node for reuse
// before it is given back to Redis. A lease given back and taken anew
// costs two Redis round trips; a node's workers come back to a busy domain
// every few tens of milliseconds, in bursts, so a linger of a second keeps
// most leases. Another node waits at most this long for a slot this node
// leaves idle.
const leaseLinger = time.Second

// NewLimiter returns a limiter; reg receives postbode_throttle_wait_seconds.
func NewLimiter(rdb redis.UniversalClient, prefix string, l Limits, reg prometheus.Registerer) *Limiter {
	if l.LeaseTTL <= 0 {
		l.LeaseTTL = 10 * time.Minute
	}
	return &Limiter{rdb: rdb, prefix: prefix, l: l, wait: newMetrics(reg).throttleWait,
		held: map[string]int{}, freed: make(chan struct{}), idle: map[string]string{}, written: map[string]time.Time{}}
}

// takeScript takes up to ARGV[3] tokens from the bucket KEYS[1] (rate
// ARGV[1] per second, capacity ARGV[2]); returns {granted, wait µs until
// one token}.
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate, burst, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'tok', 'ts')
local tok, ts = tonumber(v[1]), tonumber(v[2])
if tok == nil or ts == nil then tok = burst; ts = now end
if now > ts then tok = math.min(burst, tok + (now - ts) * rate / 1000000) end
local grant = math.min(n, math.floor(tok))
local wait = 0
if grant < 1 then
  grant = 0
  wait = math.ceil((1 - tok) * 1000000 / rate)
end
tok = tok - grant
redis.call('HSET', KEYS[1], 'tok', tostring(tok), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {grant, wait}
`)

// refundScript puts ARGV[1] tokens back into KEYS[1] (capacity ARGV[2]).
var refundScript = redis.NewScript(`
local tok = tonumber(redis.call('HGET', KEYS[1], 'tok'))
if tok then redis.call('HSET', KEYS[1], 'tok', tostring(math.min(tonumber(ARGV[2]), tok + tonumber(ARGV[1])))) end
return 0
`)

// leaseScript adds lease ARGV[2] to KEYS[1] when fewer than ARGV[1] live
// leases exist; returns 1 when taken, 0 when full.
var leaseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return 0
`)

func (l *Limiter) domainKey(domain, kind string) string {
	d := strings.Map(func(r rune) rune {
		if r == '{' || r == '}' || r <= ' ' {
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSuffix(domain, ".")))
	return l.prefix + "{d:" + d + "}:" + kind
}

// Acquire blocks until the limits allow at least one message to domain and
// returns how many of the n wanted may go now (1..n), and release, which
// must be called when the batch is done (it frees the concurrency slot:
// for the node's next batch to the domain at once, for other nodes after
// leaseLinger; calling it more than once is harmless). It fails only when ctx ends or
// Redis fails.
func (l *Limiter) Acquire(ctx context.Context, domain string, n int) (granted int, release func(), err error) {
	if n < 1 {
		return 0, func() {}, fmt.Errorf("mta: limiter: n must be at least 1")
	}
	release = func() {}
	if l.l.DomainConcurrency > 0 {
		if release, err = l.lease(ctx, domain); err != nil {
			return 0, func() {}, err
		}
	}
	granted, err = l.tokens(ctx, domain, n)
	if err != nil {
		release()
		return 0, func() {}, err
	}
	return granted, release, nil
}

// lease waits for a concurrency slot of domain.
func (l *Limiter) lease(ctx context.Context, domain string) (func(), error) {
	key := l.domainKey(domain, "conc")
	start := time.Now()
	id, fresh, err := l.slot(ctx, key)
	if err != nil {
		return nil, err
	}
	if !fresh {
		l.observe("domain_concurrency", start)
		return l.releaser(key, id), nil
	}
	l.mu.Lock()
	l.seq++
	id = randHex(8) + "-" + strconv.FormatUint(l.seq, 36)
	l.mu.Unlock()
	ttl := l.l.LeaseTTL.Milliseconds()
	for pause := time.Millisecond; ; pause = min(pause*2, 50*time.Millisecond) {
		ok, err := leaseScript.Run(ctx, l.rdb, []string{key}, l.l.DomainConcurrency, id, ttl).Int()
		if err != nil {
			l.releaseLocal(key)
			return nil, fmt.Errorf("mta: limiter: %w", err)
		}
		if ok == 1 {
			l.mu.Lock()
			l.written[id] = time.Now()
			l.mu.Unlock()
			l.observe("domain_concurrency", start)
			return l.releaser(key, id), nil
		}
		if err := sleep(ctx, pause); err != nil {
			l.releaseLocal(key)
			return nil, err
		}
		if idle, ok := l.takeIdle(key); ok { // released meanwhile on this node
			l.releaseLocal(key)
			l.observe("domain_concurrency", start)
			return l.releaser(key, idle), nil
		}
	}
}

// slot waits until this node may hold another lease of key: it returns an
// idle lease of the node to take over, or counts a new one (fresh) to be
// had from Redis. While the node itself holds every slot of the domain,
// waiting needs no Redis round trips.
func (l *Limiter) slot(ctx context.Context, key string) (id string, fresh bool, err error) {
	l.mu.Lock()
	for {
		if id, ok := l.idleOf(key); ok {
			delete(l.idle, id)
			l.mu.Unlock()
			return id, false, nil
		}
		if l.held[key] < l.l.DomainConcurrency {
			l.held[key]++
			l.mu.Unlock()
			return "", true, nil
		}
		freed := l.freed
		l.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return "", false, ctx.Err()
		}
		l.mu.Lock()
	}
}

// idleOf returns an idle lease of key with at least half its TTL left in
// Redis (an older one goes back to Redis when its linger ends); l.mu is held.
func (l *Limiter) idleOf(key string) (string, bool) {
	for id, k := range l.idle {
		if k == key && time.Since(l.written[id]) < l.l.LeaseTTL/2 {
			return id, true
		}
	}
	return "", false
}

// takeIdle takes over an idle lease of key.
func (l *Limiter) takeIdle(key string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id, ok := l.idleOf(key)
	if ok {
		delete(l.idle, id)
	}
	return id, ok
}

// releaser returns the release func of lease id: the lease goes idle for
// leaseLinger, then back to Redis unless a holder took it over.
func (l *Limiter) releaser(key, id string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.idle[id] = key
			l.wake()
			l.mu.Unlock()
			time.AfterFunc(leaseLinger, func() {
				l.mu.Lock()
				_, still := l.idle[id]
				delete(l.idle, id)
				if still {
					delete(l.written, id)
				}
				l.mu.Unlock()
				if !still {
					return // taken over
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				l.rdb.ZRem(ctx, key, id)
				l.releaseLocal(key)
			})
		})
	}
}

// releaseLocal counts one lease of key less and wakes the waiters.
func (l *Limiter) releaseLocal(key string) {
	l.mu.Lock()
	if l.held[key]--; l.held[key] <= 0 {
		delete(l.held, key)
	}
	l.wake()
	l.mu.Unlock()
}

// wake wakes the holders waiting in slot; l.mu is held.
func (l *Limiter) wake() {
	close(l.freed)
	l.freed = make(chan struct{})
}

// tokens waits until the domain and global buckets give at least one token.
func (l *Limiter) tokens(ctx context.Context, domain string, n int) (int, error) {
	dkey, gkey := l.domainKey(domain, "rate"), l.prefix+"{throttle}:global"
	var waitedDomain, waitedGlobal time.Duration
	defer func() {
		if waitedDomain > 0 || l.l.DomainPerSecond > 0 {
			l.wait.WithLabelValues("domain_rate").Observe(waitedDomain.Seconds())
		}
		if waitedGlobal > 0 || l.l.GlobalPerSecond > 0 {
			l.wait.WithLabelValues("global").Observe(waitedGlobal.Seconds())
		}
	}()
	for {
		g := n
		if l.l.DomainPerSecond > 0 {
			got, wait, err := l.take(ctx, dkey, l.l.DomainPerSecond, g)
			if err != nil {
				return 0, err
			}
			if got == 0 {
				t := time.Now()
				if err := sleep(ctx, wait); err != nil {
					return 0, err
				}
				waitedDomain += time.Since(t)
				continue
			}
			g = got
		}
		if l.l.GlobalPerSecond > 0 {
			got, wait, err := l.take(ctx, gkey, l.l.GlobalPerSecond, g)
			if err != nil {
				return 0, err
			}
			if got < g && l.l.DomainPerSecond > 0 {
				refundScript.Run(ctx, l.rdb, []string{dkey}, g-got, l.l.DomainPerSecond)
			}
			if got == 0 {
				t := time.Now()
				if err := sleep(ctx, wait); err != nil {
					return 0, err
				}
				waitedGlobal += time.Since(t)
				continue
			}
			g = got
		}
		return g, nil
	}
}

// take runs the token bucket script: rate per second, capacity one second's worth.
func (l *Limiter) take(ctx context.Context, key string, rate, n int) (int, time.Duration, error) {
	vals, err := takeScript.Run(ctx, l.rdb, []string{key}, rate, rate, n).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("mta: limiter: %w", err)
	}
	if len(vals) != 2 {
		return 0, 0, fmt.Errorf("mta: limiter: bucket %s: unexpected reply %v", key, vals)
	}
	return int(vals[0]), time.Duration(vals[1]) * time.Microsecond, nil
}

func (l *Limiter) observe(scope string, start time.Time) {
	l.wait.WithLabelValues(scope).Observe(time.Since(start).Seconds())
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
