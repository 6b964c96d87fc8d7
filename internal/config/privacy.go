package config

import (
	"net/mail"
	"strings"
)

// BouncesConfig configures bounce handling.
type BouncesConfig struct {
	// HardThreshold: a contact with more hard bounces than this is inactive;
	// optional, default 2 (the third hard bounce makes it inactive).
	HardThreshold int `toml:"hard_threshold"`
	// SoftEscalateCount soft bounces within SoftEscalateWindow, with no
	// successful delivery after them, make the contact inactive; optional,
	// default 5 (0 disables).
	SoftEscalateCount int `toml:"soft_escalate_count"`
	// SoftEscalateWindow; optional, default 720h (30 days).
	SoftEscalateWindow Duration `toml:"soft_escalate_window"`
	// RawRetention is how long raw bounce messages are kept; optional, default 168h (7 days).
	RawRetention Duration `toml:"raw_retention"`
	// SNSTopicARNs are the Amazon SNS topics (SES bounce and complaint
	// notifications) the SNS webhook accepts; optional, default none (the
	// webhook refuses every topic).
	SNSTopicARNs []string `toml:"sns_topic_arns"`
	// SNSReplayWindow: SNS messages whose signed Timestamp is further than
	// this from now are refused, and MessageIds are remembered this long to
	// refuse replays; optional, default 1h.
	SNSReplayWindow Duration `toml:"sns_replay_window"`
	// AddressMatch lets an inbound report that carries no token (VERP,
	// mailto, X-Postbode-Ref or Message-ID) change the one contact it names
	// by address, if that contact got a delivery within AddressMatchWindow;
	// for relays that rewrite the return path. Optional, default false:
	// such reports are kept as evidence and change nothing.
	AddressMatch bool `toml:"address_match"`
	// AddressMatchWindow; optional, default 168h (7 days).
	AddressMatchWindow Duration `toml:"address_match_window"`
}

func defaultBounces() BouncesConfig {
	return BouncesConfig{HardThreshold: 2, SoftEscalateCount: 5,
		SoftEscalateWindow: Duration{720 * 3600e9}, RawRetention: Duration{168 * 3600e9},
		SNSReplayWindow: Duration{3600e9}, AddressMatchWindow: Duration{168 * 3600e9}}
}

func (c *BouncesConfig) validate() error {
	if c.HardThreshold < 0 {
		return keyErr("bounces.hard_threshold", "must not be negative")
	}
	if c.SoftEscalateCount < 0 {
		return keyErr("bounces.soft_escalate_count", "must not be negative")
	}
	if c.RawRetention.Duration <= 0 {
		return keyErr("bounces.raw_retention", "must be positive")
	}
	if c.SoftEscalateCount > 0 && c.SoftEscalateWindow.Duration <= 0 {
		return keyErr("bounces.soft_escalate_window", "must be positive when soft_escalate_count is set")
	}
	if c.SNSReplayWindow.Duration <= 0 {
		return keyErr("bounces.sns_replay_window", "must be positive")
	}
	if c.AddressMatchWindow.Duration <= 0 || c.AddressMatchWindow.Duration > 30*24*3600e9 {
		return keyErr("bounces.address_match_window", "must be positive and at most 720h (bounces arrive within days)")
	}
	for _, arn := range c.SNSTopicARNs {
		if !strings.HasPrefix(arn, "arn:aws") || strings.Count(arn, ":") != 5 {
			return keyErr("bounces.sns_topic_arns", "invalid topic ARN "+arn+" (want arn:aws:sns:REGION:ACCOUNT:NAME)")
		}
	}
	return nil
}

// RetentionConfig configures automatic erasure.
type RetentionConfig struct {
	// OneStarDays erases contacts that have been one-star this many days;
	// optional, default 365; 0 disables automatic erasure.
	OneStarDays int `toml:"one_star_days"`
	// KeepSuppressionHash keeps a salted hash of a blocklisted or complaining
	// address after erasure so a re-import cannot bring it back; optional, default true.
	KeepSuppressionHash bool `toml:"keep_suppression_hash"`
	// JanitorInterval is how often the janitor runs; optional, default 1h.
	JanitorInterval Duration `toml:"janitor_interval"`
}

func defaultRetention() RetentionConfig {
	return RetentionConfig{OneStarDays: 365, KeepSuppressionHash: true, JanitorInterval: Duration{3600e9}}
}

func (c *RetentionConfig) validate() error {
	if c.OneStarDays < 0 {
		return keyErr("retention.one_star_days", "must not be negative (0 disables)")
	}
	if c.JanitorInterval.Duration < 1e9 {
		return keyErr("retention.janitor_interval", "must be at least 1s")
	}
	return nil
}

// PrivacyConfig configures privacy requests of data subjects.
type PrivacyConfig struct {
	// RequestLinkTTL is how long the verification link mailed by the privacy
	// request form stays valid; optional, default 48h; at least 15m.
	RequestLinkTTL Duration `toml:"request_link_ttl"`
	// RequestMailsPerHour caps the verification mails sent per address per
	// hour (and ten times as many per client IP, IPv6 per /64); optional, default 3.
	RequestMailsPerHour int `toml:"request_mails_per_hour"`
	// AutoAccess answers a verified access request at once by mailing the
	// export; optional, default false (staff fulfil it through the API).
	AutoAccess bool `toml:"auto_access"`
	// AutoErasure erases the contact at the janitor's next run after an
	// erasure request is verified; optional, default false (staff approve it
	// through the API).
	AutoErasure bool `toml:"auto_erasure"`
	// ContactEmail is the privacy contact (e.g. the data protection
	// officer), "Name <address>" or an address: the Reply-To of every
	// privacy mail, whose answers invite a reply; optional (without it the
	// mails come from public.mail_from and ask for no reply).
	ContactEmail string `toml:"contact_email"`
	// ControllerConfig says who holds the data (privacy_controller.go).
	ControllerConfig
}

func defaultPrivacy() PrivacyConfig {
	return PrivacyConfig{RequestLinkTTL: Duration{48 * 3600e9}, RequestMailsPerHour: 3}
}

func (c *PrivacyConfig) validate() error {
	if c.RequestLinkTTL.Duration < 15*60e9 {
		return keyErr("privacy.request_link_ttl", "must be at least 15m")
	}
	if c.RequestMailsPerHour < 1 {
		return keyErr("privacy.request_mails_per_hour", "must be at least 1")
	}
	if c.ContactEmail != "" {
		if _, err := mail.ParseAddress(c.ContactEmail); err != nil {
			return keyErr("privacy.contact_email", "must be an address or \"Name <address>\"")
		}
	}
	return c.ControllerConfig.validate()
}
