package config

import "strings"

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
	// TLSCert and TLSKey enable STARTTLS; optional.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
}

func defaultInbound() InboundConfig {
	return InboundConfig{Listen: ":2525", Hostname: "localhost", Domains: []string{"bounces.localhost"}, MaxMessageBytes: 10 << 20, MaxConnections: 100}
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
	if c.MaxMessageBytes < 1024 {
		return keyErr("inbound.max_message_bytes", "must be at least 1024")
	}
	if c.MaxConnections < 1 {
		return keyErr("inbound.max_connections", "must be at least 1")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return keyErr("inbound.tls_cert", "tls_cert and tls_key must be set together")
	}
	return nil
}
