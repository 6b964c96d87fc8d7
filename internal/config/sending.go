package config

import (
	"fmt"
	"runtime"
	"time"
)

// SMTPConfig configures outgoing delivery.
type SMTPConfig struct {
	// Mode is relay, mx (direct to the recipient's MX) or capture (write .eml
	// files to CaptureDir, for development); optional, default capture.
	Mode string `toml:"mode"`
	// RelayHost and RelayPort address the relay in relay mode.
	RelayHost string `toml:"relay_host"`
	RelayPort int    `toml:"relay_port"`
	// RelayTLS is none, starttls or implicit; optional, default starttls.
	RelayTLS string `toml:"relay_tls"`
	// Username and Password authenticate to the relay; optional.
	Username string `toml:"username"`
	Password string `toml:"password"`
	// CaptureDir receives .eml files in capture mode; optional, default ./.data/outbox.
	CaptureDir string `toml:"capture_dir"`
	// HeloName is announced to receivers; optional, default localhost.
	HeloName string `toml:"helo_name"`
}

func defaultSMTP() SMTPConfig {
	return SMTPConfig{Mode: "capture", RelayPort: 587, RelayTLS: "starttls", CaptureDir: ".data/outbox", HeloName: "localhost"}
}

func (c *SMTPConfig) validate() error {
	switch c.Mode {
	case "relay":
		if c.RelayHost == "" {
			return keyErr("smtp.relay_host", "required in relay mode")
		}
		if c.RelayPort < 1 || c.RelayPort > 65535 {
			return keyErr("smtp.relay_port", "must be 1-65535")
		}
	case "mx", "capture":
	default:
		return keyErr("smtp.mode", "must be relay, mx or capture")
	}
	if !contains([]string{"none", "starttls", "implicit"}, c.RelayTLS) {
		return keyErr("smtp.relay_tls", "must be none, starttls or implicit")
	}
	return nil
}

// DKIMConfig lists the signing keys, chosen by the From domain.
type DKIMConfig struct {
	Keys []DKIMKey `toml:"keys"`
}

// DKIMKey is one signing key.
type DKIMKey struct {
	// Domain is the From domain this key signs for; required.
	Domain string `toml:"domain"`
	// Selector is the DNS selector; required.
	Selector string `toml:"selector"`
	// Algorithm is rsa or ed25519; optional, default rsa.
	Algorithm string `toml:"algorithm"`
	// KeyFile is a PEM private key; required.
	KeyFile string `toml:"key_file"`
	// Retired keys are published but no longer used to sign; optional.
	Retired bool `toml:"retired"`
	// Canonicalization is header/body: relaxed/relaxed, relaxed/simple,
	// simple/relaxed or simple/simple; optional, default relaxed/relaxed.
	Canonicalization string `toml:"canonicalization"`
}

func (c *DKIMConfig) validate() error {
	for i, k := range c.Keys {
		key := fmt.Sprintf("dkim.keys[%d]", i)
		if k.Domain == "" {
			return keyErr(key+".domain", "required")
		}
		if k.Selector == "" {
			return keyErr(key+".selector", "required")
		}
		if k.Algorithm != "" && k.Algorithm != "rsa" && k.Algorithm != "ed25519" {
			return keyErr(key+".algorithm", "must be rsa or ed25519")
		}
		if k.KeyFile == "" {
			return keyErr(key+".key_file", "required")
		}
		switch k.Canonicalization {
		case "", "relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple":
		default:
			return keyErr(key+".canonicalization", "must be relaxed/relaxed, relaxed/simple, simple/relaxed or simple/simple")
		}
	}
	return nil
}

// SendingConfig tunes the send workers, throttles and retries.
type SendingConfig struct {
	// Workers is the number of send goroutines per sender node; optional,
	// default 8 per CPU (GOMAXPROCS), at least 16 and at most 256.
	Workers int `toml:"workers"`
	// BatchSize is how many queue entries a worker reads at once; optional, default 100.
	BatchSize int `toml:"batch_size"`
	// RatePerSecond caps messages per second across all nodes; optional, 0 = unlimited.
	RatePerSecond int `toml:"rate_per_second"`
	// DomainConcurrency caps parallel connections per destination domain; optional, default 10.
	DomainConcurrency int `toml:"domain_concurrency"`
	// DomainRatePerSecond caps messages per second per destination domain; optional, 0 = unlimited.
	DomainRatePerSecond int `toml:"domain_rate_per_second"`
	// RetryBase is the first retry delay, doubled each time; optional, default 1m.
	RetryBase Duration `toml:"retry_base"`
	// GiveUpAfter fails a deferred message this long after it was queued; optional, default 72h.
	GiveUpAfter Duration `toml:"give_up_after"`
	// MissedGrace is how late a scheduled campaign may still start by itself
	// after downtime; later ones wait for an explicit start; optional, default 1h.
	MissedGrace Duration `toml:"missed_grace"`
	// BounceDomain builds VERP return paths (b<token>@domain); optional, default the first inbound domain.
	BounceDomain string `toml:"bounce_domain"`
	// Tracking allows campaigns to track opens and clicks (each campaign
	// still opts in with track_opens / track_clicks); optional, default true.
	// When false, no campaign may turn tracking on and none is added.
	Tracking bool `toml:"tracking"`
	// QueueAhead caps how many recipients of one campaign wait in the Redis
	// queue at once; the scheduler expands more as they are sent, so Redis
	// memory does not grow with campaign size; optional, default 20000.
	QueueAhead int `toml:"queue_ahead"`
	// ClaimIdle is how long a message read by a sender may stay unacknowledged
	// before another sender takes it over (its node is presumed dead: killed,
	// crashed or cut off); optional, default 2m. Keep it well above the
	// slowest delivery of one batch.
	ClaimIdle Duration `toml:"claim_idle"`
	// BatchScheduling runs a process with the sender role under the Linux
	// SCHED_BATCH policy (as CPUSchedulingPolicy=batch in the systemd
	// unit): a thread that wakes up waits for the scheduler tick instead of
	// preempting the one running, which cuts the context switches of a
	// DKIM-signed send to about a fifth; replies to web requests served by
	// the same process may wait a few ms more while the CPU is busy;
	// optional, default true.
	BatchScheduling bool `toml:"batch_scheduling"`
}

func defaultSending() SendingConfig {
	return SendingConfig{Workers: min(max(16, 8*runtime.GOMAXPROCS(0)), 256), BatchSize: 100, DomainConcurrency: 10,
		RetryBase: Duration{60e9}, GiveUpAfter: Duration{72 * 3600e9}, MissedGrace: Duration{3600e9},
		Tracking: true, QueueAhead: 20000, ClaimIdle: Duration{120e9}, BatchScheduling: true}
}

func (c *SendingConfig) validate() error {
	if c.Workers < 1 || c.Workers > 1024 {
		return keyErr("sending.workers", "must be 1-1024")
	}
	if c.BatchSize < 1 || c.BatchSize > 10000 {
		return keyErr("sending.batch_size", "must be 1-10000")
	}
	if c.RatePerSecond < 0 {
		return keyErr("sending.rate_per_second", "must not be negative")
	}
	if c.DomainConcurrency < 1 {
		return keyErr("sending.domain_concurrency", "must be at least 1")
	}
	if c.DomainRatePerSecond < 0 {
		return keyErr("sending.domain_rate_per_second", "must not be negative")
	}
	if c.RetryBase.Duration <= 0 {
		return keyErr("sending.retry_base", "must be positive")
	}
	if c.GiveUpAfter.Duration < c.RetryBase.Duration {
		return keyErr("sending.give_up_after", "must be at least retry_base")
	}
	if c.ClaimIdle.Duration < time.Second {
		return keyErr("sending.claim_idle", "must be at least 1s")
	}
	if c.QueueAhead < 1000 {
		return keyErr("sending.queue_ahead", "must be at least 1000")
	}
	if c.MissedGrace.Duration < 0 {
		return keyErr("sending.missed_grace", "must not be negative")
	}
	return nil
}
