package mta

import (
	"context"
	"sync"
	"time"
)

// pace is the adaptive number of connections in use to one destination
// (a relay, or one MX host), additive increase, multiplicative decrease:
//
//   - it starts at PoolConfig.StartConns;
//   - a batch that went through with a time per message no worse than
//     twice the best seen so far (the remote keeps up) adds 1/window, so
//     the window grows by about one connection per window of batches;
//   - a batch that ended in a network error or timeout, or with more than
//     half of its messages deferred (4xx: the remote is busy or throttles),
//     halves it, down to one connection;
//   - it never exceeds PoolConfig.MaxConns.
//
// A Send waits for a free place in the window (or its ctx). The Redis
// throttles (Limiter) still apply on top, across nodes.
type pace struct {
	mu      sync.Mutex
	window  float64
	max     float64
	inUse   int
	best    float64 // best seconds per message seen
	wake    chan struct{}
	waiters int // acquires waiting for a place
}

func newPace(start, max int) *pace {
	return &pace{window: float64(min(start, max)), max: float64(max), wake: make(chan struct{})}
}

// acquire waits for a place in the window.
func (p *pace) acquire(ctx context.Context) error {
	for {
		p.mu.Lock()
		if p.inUse < int(p.window) {
			p.inUse++
			p.mu.Unlock()
			return nil
		}
		wake := p.wake
		p.waiters++
		p.mu.Unlock()
		var err error
		select {
		case <-wake:
		case <-ctx.Done():
			err = ctx.Err()
		}
		p.mu.Lock()
		p.waiters--
		p.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// release gives the place back and adapts the window to how the batch of
// n messages went: took, deferred of them, and whether the connection failed.
func (p *pace) release(n int, took time.Duration, deferred int, failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse--
	switch {
	case failed || 2*deferred > n:
		p.window = max(1, p.window/2)
	case n > 0:
		per := took.Seconds() / float64(n)
		if p.best == 0 || per < p.best {
			p.best = per
		}
		if per <= 2*p.best {
			p.window = min(p.max, p.window+1/p.window)
		}
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// unused reports whether no Send holds or waits for a place.
func (p *pace) unused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse == 0 && p.waiters == 0
}

// size is the current window (whole connections).
func (p *pace) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int(p.window)
}
