package mta

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolConfig tunes connection reuse; every field is optional.
type PoolConfig struct {
	// MaxIdle is how many idle connections are kept per destination
	// address; default 16.
	MaxIdle int
	// IdleTimeout closes connections idle this long; default 30s.
	IdleTimeout time.Duration
	// MaxMessages retires a connection after this many messages; default
	// 10000 (each new connection costs a handshake, often with TLS).
	MaxMessages int
	// MaxAge retires a connection this long after it was opened; default 10m.
	MaxAge time.Duration
	// Timeout bounds each SMTP command and the body; default 2m.
	Timeout time.Duration
	// StartConns and MaxConns bound the adaptive number of connections in
	// use per destination address (see pace): it starts at StartConns,
	// grows while the remote keeps up and halves on network errors,
	// timeouts or mostly deferred batches; defaults 4 and MaxIdle.
	StartConns, MaxConns int
}

func (p PoolConfig) withDefaults() PoolConfig {
	if p.MaxIdle <= 0 {
		p.MaxIdle = 16
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = 30 * time.Second
	}
	if p.MaxMessages <= 0 {
		p.MaxMessages = 10000
	}
	if p.MaxAge <= 0 {
		p.MaxAge = 10 * time.Minute
	}
	if p.Timeout <= 0 {
		p.Timeout = 2 * time.Minute
	}
	if p.MaxConns <= 0 {
		p.MaxConns = p.MaxIdle
	}
	if p.StartConns <= 0 {
		p.StartConns = 4
	}
	return p
}

// client is what the relay and MX transports share: a pool of idle
// connections per destination address, connection metrics, and sending a
// batch on a pooled or new connection.
type client struct {
	name string // relay or mx: the metrics' transport label
	cfg  PoolConfig
	m    *metrics
	open prometheus.Gauge

	mu     sync.Mutex
	idle   map[string][]*conn
	paces  map[string]*pace // per address
	closed bool
	done   chan struct{}
	wg     sync.WaitGroup
}

func newClient(name string, cfg PoolConfig, reg prometheus.Registerer) *client {
	c := &client{name: name, cfg: cfg.withDefaults(), m: newMetrics(reg), idle: map[string][]*conn{},
		paces: map[string]*pace{}, done: make(chan struct{})}
	c.open = c.m.connsOpen.WithLabelValues(name)
	c.wg.Add(1)
	go c.reaper()
	return c
}

// get returns an idle connection to addr, or nil.
func (c *client) get(addr string) *conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	for list := c.idle[addr]; len(list) > 0; list = c.idle[addr] {
		cn := list[len(list)-1]
		c.idle[addr] = list[:len(list)-1]
		if time.Since(cn.lastUsed) < c.cfg.IdleTimeout {
			return cn
		}
		go c.discard(cn)
	}
	return nil
}

// put returns a connection to the pool, or closes it when it is broken,
// worn out, or the pool is full or closed.
func (c *client) put(cn *conn) {
	if cn.broken || cn.sent >= c.cfg.MaxMessages || time.Since(cn.created) > c.cfg.MaxAge {
		c.discard(cn)
		return
	}
	cn.lastUsed = time.Now()
	c.mu.Lock()
	if c.closed || len(c.idle[cn.addr]) >= c.cfg.MaxIdle {
		c.mu.Unlock()
		c.discard(cn)
		return
	}
	c.idle[cn.addr] = append(c.idle[cn.addr], cn)
	c.mu.Unlock()
}

func (c *client) discard(cn *conn) {
	cn.quit()
	c.open.Dec()
}

// dial opens a new connection and counts it.
func (c *client) dial(ctx context.Context, dc dialConfig) (*conn, error) {
	dc.timeout = c.cfg.Timeout
	cn, err := open(ctx, dc)
	if err != nil {
		label := "dial_error"
		var ce *connectError
		if errors.As(err, &ce) {
			label = ce.result
		}
		c.m.connsTotal.WithLabelValues(label).Inc()
		return nil, err
	}
	c.m.connsTotal.WithLabelValues("ok").Inc()
	c.open.Inc()
	return cn, nil
}

// paceFor returns the adaptive connection window of addr.
func (c *client) paceFor(addr string) *pace {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.paces[addr]
	if p == nil {
		p = newPace(c.cfg.StartConns, c.cfg.MaxConns)
		c.paces[addr] = p
	}
	return p
}

// sendVia sends batch on a pooled connection to dc.addr or a new one,
// within the address's connection window (pace). A pooled connection that
// fails before any reply (the server closed it while idle) is replaced
// once: nothing can have been delivered on it.
func (c *client) sendVia(ctx context.Context, dc dialConfig, batch []Envelope) (rs []Result, err error) {
	p := c.paceFor(dc.addr)
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	start, failed := time.Now(), false
	defer func() {
		deferred := 0
		for _, r := range rs {
			if r.Err != nil {
				failed = true
			} else if r.Outcome() == Deferred {
				deferred++
			}
		}
		p.release(len(batch), time.Since(start), deferred, failed || err != nil)
	}()
	rs = make([]Result, len(batch))
	for attempt := 0; ; attempt++ {
		var cn *conn
		if attempt == 0 {
			cn = c.get(dc.addr)
		}
		reused := cn != nil
		if !reused {
			var err error
			if cn, err = c.dial(ctx, dc); err != nil {
				return nil, err
			}
		}
		got := cn.send(ctx, batch, rs)
		c.put(cn)
		if reused && !got && cn.broken && attempt == 0 && ctx.Err() == nil {
			continue
		}
		return rs, nil
	}
}

// reaper closes idle connections past IdleTimeout.
func (c *client) reaper() {
	defer c.wg.Done()
	t := time.NewTicker(max(c.cfg.IdleTimeout/2, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		var old []*conn
		c.mu.Lock()
		for addr, list := range c.idle {
			keep := list[:0]
			for _, cn := range list {
				if time.Since(cn.lastUsed) >= c.cfg.IdleTimeout {
					old = append(old, cn)
				} else {
					keep = append(keep, cn)
				}
			}
			c.idle[addr] = keep
		}
		// A destination no longer in use forgets its window (it starts
		// afresh when mail goes there again), so the map stays small.
		for addr, p := range c.paces {
			if len(c.idle[addr]) == 0 && p.unused() {
				delete(c.paces, addr)
			}
		}
		c.mu.Unlock()
		for _, cn := range old {
			c.discard(cn)
		}
	}
}

// isClosed reports whether Close was called.
func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close closes the idle connections; connections in use close when returned.
func (c *client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	idle := c.idle
	c.idle = map[string][]*conn{}
	c.mu.Unlock()
	close(c.done)
	c.wg.Wait()
	for _, list := range idle {
		for _, cn := range list {
			c.discard(cn)
		}
	}
	return nil
}
