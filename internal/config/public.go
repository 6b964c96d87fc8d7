package config

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var attrKeyRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

// PublicConfig configures the recipient-facing listener and its house style.
type PublicConfig struct {
	// Listen is the public address; optional, default :8081.
	Listen string `toml:"listen"`
	// BaseURL is the https URL recipients reach the public listener at, used in
	// every link in a mail; optional, default http://localhost:8081. http is
	// refused except for localhost and loopback hosts (development).
	BaseURL string `toml:"base_url"`
	// TLS serves the public listener over HTTPS; optional.
	TLS TLSConfig `toml:"tls"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed; optional.
	TrustedProxies []string `toml:"trusted_proxies"`
	// OrgName is the sender's name shown on pages and in mails; optional, default "postbode".
	OrgName string `toml:"org_name"`
	// LogoURL is shown on recipient pages; optional.
	LogoURL string `toml:"logo_url"`
	// PrimaryColor is the house colour, #rrggbb; optional, default #1d4ed8.
	PrimaryColor string `toml:"primary_color"`
	// PostalAddress is the sender's postal address, shown in every mail's
	// footer (anti-spam laws require one for bulk mail); optional.
	PostalAddress string `toml:"postal_address"`
	// DefaultLang is nl or en; optional, default en.
	DefaultLang string `toml:"default_lang"`
	// MailFrom is the From of the mails postbode sends by itself (double
	// opt-in confirmations, privacy request verification and answers),
	// "Name <address>" or an address; optional, default
	// "OrgName <noreply@BOUNCE-DOMAIN>". Its domain should have a DKIM key.
	MailFrom string `toml:"mail_from"`
	// ConfirmExpiry is how long a double opt-in confirmation link is valid;
	// unconfirmed subscriptions older than this are removed by the janitor
	// (and a contact the form created with nothing else is erased); optional,
	// default 168h (7 days).
	ConfirmExpiry Duration `toml:"confirm_expiry"`
	// EditableAttributes are the contact attribute keys a recipient may edit
	// on the update-your-details page (besides the name); optional, default none.
	EditableAttributes []string `toml:"editable_attributes"`
	// ApproveChanges makes changes from the update page pending change
	// requests a marketer approves or rejects through the API; optional,
	// default false (changes apply at once).
	ApproveChanges bool `toml:"approve_changes"`
	// MaxFormBytes caps a form post on the public listener; optional, default 16384.
	MaxFormBytes int64 `toml:"max_form_bytes"`
}

func defaultPublic() PublicConfig {
	return PublicConfig{Listen: ":8081", BaseURL: "http://localhost:8081", OrgName: "postbode", PrimaryColor: "#1d4ed8", DefaultLang: "en",
		ConfirmExpiry: Duration{168 * time.Hour}, MaxFormBytes: 16 << 10}
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (c *PublicConfig) validate() error {
	if err := validAddr(c.Listen); err != nil {
		return keyErr("public.listen", err.Error())
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return keyErr("public.base_url", "must be an absolute http(s) URL")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(c.BaseURL, "#") || u.User != nil {
		// Links are base_url + "/u/TOKEN": after a query or fragment the
		// path would not reach the server, and credentials would be in every mail.
		return keyErr("public.base_url", "must have no query, fragment or user:password (links are built by appending a path)")
	}
	if u.Scheme == "http" && !localHost(u.Hostname()) {
		return keyErr("public.base_url", "must be https: every mail carries List-Unsubscribe-Post, and RFC 8058 §3.1 requires "+
			"its URI to be https (http is accepted only for localhost and loopback addresses, in development)")
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			return keyErr("public.trusted_proxies", "invalid CIDR "+p)
		}
	}
	if !colorRE.MatchString(c.PrimaryColor) {
		return keyErr("public.primary_color", "must be #rrggbb")
	}
	if c.DefaultLang != "en" && c.DefaultLang != "nl" {
		return keyErr("public.default_lang", "must be en or nl")
	}
	if c.ConfirmExpiry.Duration < time.Minute {
		return keyErr("public.confirm_expiry", "must be at least 1m")
	}
	for _, k := range c.EditableAttributes {
		if !attrKeyRE.MatchString(k) {
			return keyErr("public.editable_attributes", "invalid attribute key "+k)
		}
	}
	if c.MaxFormBytes < 1024 || c.MaxFormBytes > 1<<20 {
		return keyErr("public.max_form_bytes", "must be between 1024 and 1048576")
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return keyErr("public.mail_from", "must be an address or \"Name <address>\"")
		}
	}
	return nil
}

// localHost reports whether host is localhost (or under .localhost) or a
// loopback address.
func localHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
