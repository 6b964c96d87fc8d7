package config

import (
	"errors"
	"testing"
)

func TestControllerConfig(t *testing.T) {
	env := []string{"POSTBODE_SECRETS_KEY=" + testKey}
	cfg, err := Load(writeFile(t, `[public]
org_name = "Vereniging Zoë"
[privacy]
contact_email = "Privacy <privacy@example.org>"
organisation = "Vereniging Zoë Ångström"
statement_url = "https://example.org/privacy"
time_zone = "Europe/Amsterdam"
[[privacy.processors]]
name = "Relay BV"
purpose = "delivers our mail"
location = "Netherlands"
`), env)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Privacy
	if p.Organisation != "Vereniging Zoë Ångström" || p.StatementURL != "https://example.org/privacy" ||
		p.ContactEmail == "" || len(p.Processors) != 1 || p.Processors[0].Location != "Netherlands" {
		t.Errorf("privacy config not read: %+v", p)
	}
	if p.Location().String() != "Europe/Amsterdam" || p.Authority != DefaultAuthority {
		t.Errorf("zone %s, authority %q", p.Location(), p.Authority)
	}
	for _, tc := range []struct{ file, key string }{
		{"[privacy]\nstatement_url = \"/privacy\"", "privacy.statement_url"},
		{"[privacy]\ntime_zone = \"Mars/Olympus\"", "privacy.time_zone"},
		{"[privacy]\ncontact_email = \"nobody\"", "privacy.contact_email"},
		{"[[privacy.processors]]\nname = \"x\"", "privacy.processors"},
	} {
		_, err := Load(writeFile(t, tc.file), env)
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != tc.key {
			t.Errorf("%q: error %v, want key %s", tc.file, err, tc.key)
		}
	}
}
