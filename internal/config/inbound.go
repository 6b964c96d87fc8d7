package config

import (
	"strings"
	"time"
)

// InboundConfig configures the SMTP listener for bounces, complaints and
// mailto unsubscribes.
type InboundConfig struct {
	// Listen is the SMTP address; optional, default :2525.
	Listen string `toml:"listen"`
	// Hostname is announced in the greeting; optional, default localhost.
	Hostname string `toml:"hostname"`
	// Domains are the bounce domains mail is accepted for; required when the
	// inbound role runs. Every other recipient gets 550.
	Domains []string `toml:"domains"`
	// MaxMessageBytes caps one message; optional, default 10 MiB.
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	// MaxConnections caps concurrent SMTP sessions; optional, default 100.
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerIP caps the concurrent sessions of one client IP;
	// optional, default 10.
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// SessionTimeout bounds a whole SMTP session; optional, default 5m.
	SessionTimeout Duration `toml:"session_timeout"`
	// DataTimeout bounds receiving one message after DATA; optional,
	// default 2m, at most session_timeout.
	DataTimeout Duration `toml:"data_timeout"`
	// UnprovenWindow is the per-client window of the unproven-mail limits
	// (mail without a bounce token, kept as evidence); default 1h.
	UnprovenWindow Duration `toml:"unproven_window"`
	// UnprovenMessagesPerClient caps unproven messages stored per client IP
	// per window; default 1000.
	UnprovenMessagesPerClient int64 `toml:"unproven_messages_per_client"`
	// UnprovenBytesPerClient caps the bytes of unproven messages stored per
	// client IP per window; default 100 MiB, at least max_message_bytes.
	UnprovenBytesPerClient int64 `toml:"unproven_bytes_per_client"`
	// UnprovenBytesPerDay caps the bytes of unproven messages stored from
	// all clients per UTC day; default 1 GiB, at least unproven_bytes_per_client.
	UnprovenBytesPerDay int64 `toml:"unproven_bytes_per_day"`
	// TLSCert and TLSKey enable STARTTLS; optional.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
}

func defaultInbound() InboundConfig {
	return InboundConfig{Listen: ":2525", Hostname: "localhost", Domains: []string{"bounces.localhost"}, MaxMessageBytes: 10 << 20, MaxConnections: 100,
		MaxConnectionsPerIP: 10, SessionTimeout: Duration{5 * time.Minute}, DataTimeout: Duration{2 * time.Minute},
		UnprovenWindow: Duration{time.Hour}, UnprovenMessagesPerClient: 1000, UnprovenBytesPerClient: 100 << 20, UnprovenBytesPerDay: 1 << 30}
}

func (c *InboundConfig) validate() error {
	if err := validAddr(c.Listen); err != nil {
		return keyErr("inbound.listen", err.Error())
	}
	for _, d := range c.Domains {
		if d == "" || strings.ContainsAny(d, "@ ") {
			return keyErr("inbound.domains", "invalid domain "+d)
		}
	}
	if c.MaxMessageBytes < 1024 || c.MaxMessageBytes > 1<<30 {
		return keyErr("inbound.max_message_bytes", "must be between 1024 and 1073741824 (1 GiB)")
	}
	if c.MaxConnections < 1 {
		return keyErr("inbound.max_connections", "must be at least 1")
	}
	if c.MaxConnectionsPerIP < 1 {
		return keyErr("inbound.max_connections_per_ip", "must be at least 1")
	}
	if c.SessionTimeout.Duration < 10*time.Second {
		return keyErr("inbound.session_timeout", "must be at least 10s")
	}
	if c.DataTimeout.Duration < time.Second || c.DataTimeout.Duration > c.SessionTimeout.Duration {
		return keyErr("inbound.data_timeout", "must be at least 1s and at most session_timeout")
	}
	if c.UnprovenWindow.Duration < time.Minute || c.UnprovenWindow.Duration > 24*time.Hour {
		return keyErr("inbound.unproven_window", "must be between 1m and 24h")
	}
	if c.UnprovenMessagesPerClient < 1 {
		return keyErr("inbound.unproven_messages_per_client", "must be at least 1")
	}
	if c.UnprovenBytesPerClient < c.MaxMessageBytes {
		return keyErr("inbound.unproven_bytes_per_client", "must be at least inbound.max_message_bytes, or no message of the largest size could ever be stored")
	}
	if c.UnprovenBytesPerDay < c.UnprovenBytesPerClient {
		return keyErr("inbound.unproven_bytes_per_day", "must be at least inbound.unproven_bytes_per_client")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return keyErr("inbound.tls_cert", "tls_cert and tls_key must be set together")
	}
	return nil
}
