package config

import (
	"net/netip"
	"os"
	"time"
)

// PeopleConfig configures staff accounts: sessions, lockout, one-time
// links, second factor, bulk exports and the admin allow-list.
type PeopleConfig struct {
	// SessionIdle ends a session unused this long; optional, default 30m.
	SessionIdle Duration `toml:"session_idle"`
	// SessionAbsolute ends a session this long after login; optional, default 12h.
	SessionAbsolute Duration `toml:"session_absolute"`
	// MaxFailures wrong logins of one account within LockoutWindow lock it;
	// optional, default 5.
	MaxFailures int `toml:"max_failures"`
	// MaxIPFailures wrong logins from one address within LockoutWindow lock
	// that address out; optional, default 30.
	MaxIPFailures int `toml:"max_ip_failures"`
	// LockoutWindow; optional, default 15m.
	LockoutWindow Duration `toml:"lockout_window"`
	// InviteTTL and ResetTTL bound invitation and password reset links;
	// optional, default 72h and 1h.
	InviteTTL Duration `toml:"invite_ttl"`
	ResetTTL  Duration `toml:"reset_ttl"`
	// EndedRetention is how long the janitor keeps what ended before it
	// deletes it: invitations accepted, revoked or expired unanswered (with
	// the address and name they hold), sessions expired or signed out and
	// failed logins (with the IP address they hold), used or expired links;
	// optional, default 720h (30 days), between 1h and 8760h (a year).
	EndedRetention Duration `toml:"ended_retention"`
	// RequireTOTP lists roles that must log in with a second factor;
	// optional, default none.
	RequireTOTP []string `toml:"require_totp"`
	// AdminURL is the URL staff reach the admin listener at, used in
	// invitation and reset mails; optional, default http(s)://api.listen
	// (127.0.0.1 or ::1 for a listener on every address), with a warning
	// at start-up. An https URL (a proxy in front terminating TLS) makes
	// the session cookie Secure.
	AdminURL string `toml:"admin_url"`
	// MailExports makes bulk contact exports go by mail to the department's
	// main person instead of being downloaded; optional, default false.
	MailExports bool `toml:"mail_exports"`
	// AllowCIDRs is the admin listener's allow-list (IPv4 and IPv6 CIDRs);
	// optional, default everyone. Departments may narrow it further.
	AllowCIDRs []string `toml:"allow_cidrs"`
}

func defaultPeople() PeopleConfig {
	return PeopleConfig{SessionIdle: Duration{30 * time.Minute}, SessionAbsolute: Duration{12 * time.Hour},
		MaxFailures: 5, MaxIPFailures: 30, LockoutWindow: Duration{15 * time.Minute},
		InviteTTL: Duration{72 * time.Hour}, ResetTTL: Duration{time.Hour},
		EndedRetention: Duration{720 * time.Hour}}
}

func (c *PeopleConfig) validate() error {
	if c.SessionIdle.Duration < time.Minute || c.SessionAbsolute.Duration < c.SessionIdle.Duration {
		return keyErr("people.session_idle", "must be at least 1m and at most people.session_absolute")
	}
	if c.MaxFailures < 1 || c.MaxIPFailures < c.MaxFailures {
		return keyErr("people.max_failures", "must be at least 1 and at most people.max_ip_failures")
	}
	if c.LockoutWindow.Duration < time.Minute {
		return keyErr("people.lockout_window", "must be at least 1m")
	}
	if c.InviteTTL.Duration < time.Minute || c.ResetTTL.Duration < time.Minute {
		return keyErr("people.invite_ttl", "invite_ttl and reset_ttl must be at least 1m")
	}
	if r := c.EndedRetention.Duration; r < time.Hour || r > 8760*time.Hour {
		return keyErr("people.ended_retention", "must be between 1h and 8760h (a year)")
	}
	for _, r := range c.RequireTOTP {
		if r == "" {
			return keyErr("people.require_totp", "empty role name")
		}
	}
	if _, err := ParseCIDRs(c.AllowCIDRs); err != nil {
		return keyErr("people.allow_cidrs", err.Error())
	}
	return nil
}

// ParseCIDRs parses CIDRs (a bare address is a /32 or /128).
func ParseCIDRs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, err
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// TLSConfig makes a listener serve HTTPS from certificate files, reloaded
// when they change.
type TLSConfig struct {
	// CertFile and KeyFile are PEM files; optional (both or neither): TLS
	// is on when they are set.
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// RedirectListen, when set, serves plain HTTP there that redirects to
	// https; optional.
	RedirectListen string `toml:"redirect_listen"`
	// HSTSMaxAge is sent in Strict-Transport-Security when TLS is on;
	// optional, default 180 days.
	HSTSMaxAge Duration `toml:"hsts_max_age"`
}

// Enabled reports whether TLS is configured.
func (c TLSConfig) Enabled() bool { return c.CertFile != "" }

func (c *TLSConfig) validate(prefix string) error {
	if (c.CertFile == "") != (c.KeyFile == "") {
		return keyErr(prefix+".cert_file", "cert_file and key_file go together")
	}
	for _, f := range []string{c.CertFile, c.KeyFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return keyErr(prefix+".cert_file", err.Error())
		}
	}
	if c.RedirectListen != "" {
		if !c.Enabled() {
			return keyErr(prefix+".redirect_listen", "needs cert_file and key_file")
		}
		if err := validAddr(c.RedirectListen); err != nil {
			return keyErr(prefix+".redirect_listen", err.Error())
		}
	}
	if c.HSTSMaxAge.Duration == 0 {
		c.HSTSMaxAge.Duration = 180 * 24 * time.Hour
	}
	return nil
}
