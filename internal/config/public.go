package config

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
)

// PublicConfig configures the recipient-facing listener and its house style.
type PublicConfig struct {
	// Listen is the public address; optional, default :8081.
	Listen string `toml:"listen"`
	// BaseURL is the https URL recipients reach the public listener at, used in
	// every link in a mail; optional, default http://localhost:8081.
	BaseURL string `toml:"base_url"`
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
}

func defaultPublic() PublicConfig {
	return PublicConfig{Listen: ":8081", BaseURL: "http://localhost:8081", OrgName: "postbode", PrimaryColor: "#1d4ed8", DefaultLang: "en"}
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
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return keyErr("public.mail_from", "must be an address or \"Name <address>\"")
		}
	}
	return nil
}
