package config

import (
	"net/url"
	"strconv"
	"time"
)

// ControllerConfig says who holds the personal data (the controller, GDPR
// art. 4(7)) and who processes it on the controller's behalf. The access
// report, the register of processing activities and the footer of the
// public pages are written from it. Its keys sit directly under [privacy].
type ControllerConfig struct {
	// Organisation is the controller's legal name; optional, default
	// public.org_name.
	Organisation string `toml:"organisation"`
	// StatementURL is the organisation's own privacy statement, linked from
	// every public form, mail footer and access report; optional.
	StatementURL string `toml:"statement_url"`
	// TimeZone names the zone dates are written in for people (access
	// report, registers), e.g. "Europe/Amsterdam"; optional, default UTC.
	TimeZone string `toml:"time_zone"`
	// Authority is the supervisory authority a data subject may complain to
	// (GDPR art. 77), shown in the access report; optional, default
	// "Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl)".
	Authority string `toml:"authority"`
	// Processors are the recipients of the data that process it on the
	// organisation's behalf (GDPR art. 28): hosting, the mail relay;
	// optional, default none.
	Processors []ProcessorConfig `toml:"processors"`
	// SecurityMeasures are the technical and organisational security
	// measures (GDPR art. 32) named in the register of processing
	// activities, one sentence each; optional.
	SecurityMeasures []string `toml:"security_measures"`
}

// ProcessorConfig is one processor (GDPR art. 28).
type ProcessorConfig struct {
	// Name of the processor; required.
	Name string `toml:"name"`
	// Purpose: what it does with the data, e.g. "delivers our mail"; required.
	Purpose string `toml:"purpose"`
	// Location: the country where the data is processed; optional.
	Location string `toml:"location"`
}

// DefaultAuthority is the supervisory authority named when privacy.authority is unset.
const DefaultAuthority = "Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl)"

// Location returns the time zone dates are written in (validated).
func (c ControllerConfig) Location() *time.Location {
	if c.TimeZone == "" {
		return time.UTC
	}
	l, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return l
}

func (c *ControllerConfig) validate() error {
	if c.StatementURL != "" {
		u, err := url.Parse(c.StatementURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyErr("privacy.statement_url", "must be an absolute http(s) URL")
		}
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			return keyErr("privacy.time_zone", "unknown time zone "+c.TimeZone)
		}
	}
	if c.Authority == "" {
		c.Authority = DefaultAuthority
	}
	for i, p := range c.Processors {
		if p.Name == "" || p.Purpose == "" {
			return keyErr("privacy.processors", "processor "+strconv.Itoa(i+1)+" needs a name and a purpose")
		}
	}
	return nil
}
