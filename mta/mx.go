package mta

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Resolver is the DNS the MX transport uses; *net.Resolver implements it.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// MXConfig configures direct delivery to each domain's mail servers.
type MXConfig struct {
	// HeloName is announced in EHLO; optional, default localhost (set it
	// to the sending host's name: receivers check it).
	HeloName string
	// Resolver looks up MX and address records; optional, default net.DefaultResolver.
	Resolver Resolver
	// Port is the SMTP port; optional, default 25.
	Port int
	// TLSConfig is used for opportunistic STARTTLS (certificates are not
	// required to verify, RFC 7435); optional.
	TLSConfig *tls.Config
	// Pool tunes connection reuse; optional.
	Pool PoolConfig
	// CacheTTL is how long MX answers are reused; optional, default 5m.
	CacheTTL time.Duration
	// Dial replaces net.Dialer.DialContext; optional.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// AllowLoopback lets mail go to MX hosts on loopback addresses (tests
	// run their servers there); see prohibited.
	AllowLoopback bool
}

// MX is a Transport that delivers straight to the recipient domain's MX
// hosts (RFC 5321 §5.1): preference order (random among equals), the
// domain's own A/AAAA when it has no MX, null MX (RFC 7505) refused,
// opportunistic STARTTLS, connections pooled per server address.
type MX struct {
	cfg MXConfig
	c   *client

	mu    sync.Mutex
	cache map[string]mxEntry
	// plain remembers servers whose STARTTLS failed, to deliver in clear.
	plain map[string]time.Time
}

type mxEntry struct {
	hosts   []mxHost
	expires time.Time
}

type mxHost struct {
	name string
	pref uint16
}

// NewMX returns a direct-to-MX transport; reg receives the postbode_smtp_* metrics.
func NewMX(cfg MXConfig, reg prometheus.Registerer) Transport {
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Port == 0 {
		cfg.Port = 25
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Minute
	}
	return &MX{cfg: cfg, c: newClient("mx", cfg.Pool, reg), cache: map[string]mxEntry{}, plain: map[string]time.Time{}}
}

// errNullMX marks a domain that publishes a null MX.
var errNullMX = errors.New("null MX")

// Send delivers batch (all recipients at domain) to domain's MX.
func (m *MX) Send(ctx context.Context, domain string, batch []Envelope) []Result {
	start := time.Now()
	rs := m.send(ctx, normDomain(domain), batch)
	m.c.m.sendSeconds.WithLabelValues("mx").Observe(time.Since(start).Seconds())
	m.c.m.observeResults("mx", rs)
	return rs
}

func (m *MX) send(ctx context.Context, domain string, batch []Envelope) []Result {
	if m.c.isClosed() {
		return errResults(len(batch), ErrClosed)
	}
	if len(batch) == 0 {
		return nil
	}
	hosts, err := m.hosts(ctx, domain)
	switch {
	case errors.Is(err, errNullMX):
		return fill(len(batch), Result{Code: 556, Enhanced: "5.1.10", Text: "domain " + domain + " does not accept mail (null MX, RFC 7505)"})
	case isNotFound(err):
		return fill(len(batch), Result{Code: 550, Enhanced: "5.1.2", Text: "domain " + domain + " does not exist (DNS)"})
	case err != nil:
		return errResults(len(batch), fmt.Errorf("mta: MX lookup %s: %w", domain, err))
	}
	var lastErr error
	refused := false
	for _, h := range hosts {
		host := h.name
		ips, err := m.cfg.Resolver.LookupIPAddr(ctx, host)
		if err != nil {
			lastErr = fmt.Errorf("mta: resolve %s: %w", host, err)
			continue
		}
		for _, ip := range ips {
			if !m.cfg.AllowLoopback && prohibited(ip.IP) {
				refused = true
				continue
			}
			addr := net.JoinHostPort(ip.IP.String(), strconv.Itoa(m.cfg.Port))
			rs, err := m.c.sendVia(ctx, m.dialConfig(addr, host), batch)
			if err != nil && m.tlsFailed(err) {
				m.markPlain(addr)
				rs, err = m.c.sendVia(ctx, m.dialConfig(addr, host), batch)
			}
			if err == nil {
				return rs
			}
			lastErr = err
			if ctx.Err() != nil {
				return errResults(len(batch), lastErr)
			}
		}
	}
	if lastErr == nil && refused {
		return fill(len(batch), Result{Code: 550, Enhanced: "5.4.4", Text: "domain " + domain + " routes mail to a loopback or unspecified address: not delivered", Local: true})
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("mta: no address for the MX hosts of %s", domain)
	}
	return errResults(len(batch), lastErr)
}

// prohibited reports whether ip is an address no mail may go to: loopback
// (127.0.0.0/8, ::1) or unspecified (0.0.0.0, ::), which reach this
// machine. A domain whose MX (or address) points there would have
// postbode deliver to a local mail server, which commonly relays for
// loopback clients: whoever can add a recipient could relay through it.
// As KumoMTA's prohibited_hosts, such a domain is refused with 550 5.4.4.
func prohibited(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsUnspecified()
}

func fill(n int, r Result) []Result {
	rs := make([]Result, n)
	for i := range rs {
		rs[i] = r
	}
	return rs
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

func (m *MX) dialConfig(addr, host string) dialConfig {
	mode := "opportunistic"
	m.mu.Lock()
	if until, ok := m.plain[addr]; ok && time.Now().Before(until) {
		mode = "none"
	}
	m.mu.Unlock()
	return dialConfig{addr: addr, serverName: host, tlsMode: mode, tlsConfig: m.cfg.TLSConfig,
		helo: m.cfg.HeloName, dial: m.cfg.Dial}
}

func (m *MX) tlsFailed(err error) bool {
	var ce *connectError
	return errors.As(err, &ce) && ce.result == "tls_error"
}

// markPlain delivers to addr without TLS for an hour after STARTTLS failed.
func (m *MX) markPlain(addr string) {
	m.mu.Lock()
	m.plain[addr] = time.Now().Add(time.Hour)
	m.mu.Unlock()
}

// hosts returns domain's MX hosts in preference order (shuffled among
// equal preferences), or the domain itself when it has no MX records.
func (m *MX) hosts(ctx context.Context, domain string) ([]mxHost, error) {
	m.mu.Lock()
	e, ok := m.cache[domain]
	m.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return shuffleEqual(e.hosts), nil
	}
	mxs, err := m.cfg.Resolver.LookupMX(ctx, domain)
	var hosts []mxHost
	switch {
	case err == nil && len(mxs) == 1 && (mxs[0].Host == "." || mxs[0].Host == ""):
		return nil, errNullMX
	case err == nil && len(mxs) > 0:
		slices.SortStableFunc(mxs, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
		for _, mx := range mxs {
			if h := strings.TrimSuffix(mx.Host, "."); h != "" {
				hosts = append(hosts, mxHost{h, mx.Pref})
			}
		}
	case err == nil || isNotFound(err):
		// No MX: the domain's own address records are the implicit MX
		// (RFC 5321 §5.1); not found there either means no such domain.
		if _, aerr := m.cfg.Resolver.LookupIPAddr(ctx, domain); aerr != nil {
			return nil, aerr
		}
		hosts = []mxHost{{name: domain}}
	default:
		return nil, err
	}
	m.mu.Lock()
	if len(m.cache) >= maxCachedDomains {
		m.evictLocked()
	}
	m.cache[domain] = mxEntry{hosts: hosts, expires: time.Now().Add(m.cfg.CacheTTL)}
	m.mu.Unlock()
	return shuffleEqual(hosts), nil
}

// maxCachedDomains bounds the MX cache (a campaign can reach many domains).
const maxCachedDomains = 20000

// evictLocked drops expired answers, or all of them if none has expired.
func (m *MX) evictLocked() {
	now := time.Now()
	for d, e := range m.cache {
		if now.After(e.expires) {
			delete(m.cache, d)
		}
	}
	if len(m.cache) >= maxCachedDomains {
		clear(m.cache)
	}
	for a, until := range m.plain {
		if now.After(until) {
			delete(m.plain, a)
		}
	}
}

// shuffleEqual returns hosts (sorted by preference) with ties in random
// order, spreading load over equal MX hosts.
func shuffleEqual(hosts []mxHost) []mxHost {
	out := slices.Clone(hosts)
	for i := 0; i < len(out); {
		j := i + 1
		for j < len(out) && out[j].pref == out[i].pref {
			j++
		}
		rand.Shuffle(j-i, func(a, b int) { out[i+a], out[i+b] = out[i+b], out[i+a] })
		i = j
	}
	return out
}

// Close closes idle connections.
func (m *MX) Close() error { return m.c.Close() }
