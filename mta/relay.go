package mta

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RelayConfig configures delivery through one smarthost.
type RelayConfig struct {
	// Host and Port address the relay; required.
	Host string
	Port int
	// TLS is none, starttls (required, certificate verified) or implicit
	// (TLS from the first byte, usually port 465); optional, default starttls.
	TLS string
	// Username and Password authenticate with AUTH PLAIN or LOGIN; optional.
	Username, Password string
	// HeloName is announced in EHLO; optional, default localhost.
	HeloName string
	// TLSConfig overrides the TLS settings (e.g. RootCAs); optional.
	TLSConfig *tls.Config
	// Pool tunes connection reuse; optional.
	Pool PoolConfig
	// Dial replaces net.Dialer.DialContext; optional.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Relay is a Transport that hands every message to one relay, reusing
// connections across Sends.
type Relay struct {
	c  *client
	dc dialConfig
}

// NewRelay checks cfg and returns a relay transport (it does not connect
// yet: see Check). reg receives the postbode_smtp_* metrics.
func NewRelay(cfg RelayConfig, reg prometheus.Registerer) (Transport, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("mta: relay host: required")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mta: relay port %d: must be 1-65535", cfg.Port)
	}
	if cfg.TLS == "" {
		cfg.TLS = "starttls"
	}
	if cfg.TLS != "none" && cfg.TLS != "starttls" && cfg.TLS != "implicit" {
		return nil, fmt.Errorf("mta: relay TLS %q: must be none, starttls or implicit", cfg.TLS)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	return &Relay{c: newClient("relay", cfg.Pool, reg), dc: dialConfig{addr: addr, serverName: cfg.Host,
		tlsMode: cfg.TLS, tlsConfig: cfg.TLSConfig, helo: cfg.HeloName, username: cfg.Username,
		password: cfg.Password, dial: cfg.Dial}}, nil
}

// Send delivers batch through the relay; domain is not used. When the relay
// cannot be reached every Result carries an error naming host:port.
func (r *Relay) Send(ctx context.Context, domain string, batch []Envelope) []Result {
	start := time.Now()
	var rs []Result
	if r.c.isClosed() {
		rs = errResults(len(batch), ErrClosed)
	} else if len(batch) > 0 {
		var err error
		if rs, err = r.c.sendVia(ctx, r.dc, batch); err != nil {
			rs = errResults(len(batch), fmt.Errorf("relay: %w", err))
		}
	}
	r.c.m.sendSeconds.WithLabelValues("relay").Observe(time.Since(start).Seconds())
	r.c.m.observeResults("relay", rs)
	return rs
}

// Check connects to the relay (greeting, EHLO, TLS, AUTH) and keeps the
// connection for reuse; the error names host:port.
func (r *Relay) Check(ctx context.Context) error {
	cn, err := r.c.dial(ctx, r.dc)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	r.c.put(cn)
	return nil
}

// Close closes idle connections.
func (r *Relay) Close() error { return r.c.Close() }
