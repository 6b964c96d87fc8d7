package main

import (
	"context"
	"fmt"
	"os"

	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

// transport returns the outgoing transport from a.cfg.SMTP (capture, relay
// or mx) with its metrics on a.reg, built on the first call and shared by
// every role of the process (one connection pool); it is closed at shutdown
// (in the drain phase, after drains appended later). Roles are started one
// after another, so no lock is needed.
func (a *app) transport() (mta.Transport, error) {
	if a.tr != nil {
		return a.tr, nil
	}
	c := a.cfg.SMTP
	tr, err := mta.NewTransport(mta.TransportConfig{Mode: c.Mode, CaptureDir: c.CaptureDir,
		Relay: mta.RelayConfig{Host: c.RelayHost, Port: c.RelayPort, TLS: c.RelayTLS,
			Username: c.Username, Password: c.Password, HeloName: c.HeloName},
		MX: mta.MXConfig{HeloName: c.HeloName}}, a.reg)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	a.drains = append(a.drains, func(context.Context) { tr.Close() })
	a.tr = tr
	return tr, nil
}

// style is the house style of mails, from the [public] config section.
func (a *app) style() templates.Style {
	p := a.cfg.Public
	return templates.Style{OrgName: p.OrgName, LogoURL: p.LogoURL, Primary: p.PrimaryColor,
		Address: p.PostalAddress, Lang: p.DefaultLang}
}

// dkim loads the keys of a.cfg.DKIM (once per process) and returns the
// signer (with postbode_dkim_sign_seconds on a.reg). Errors name the config key.
func (a *app) dkim() (*mta.DKIM, error) {
	if a.signer != nil {
		return a.signer, nil
	}
	d, err := loadDKIM(a.cfg.DKIM.Keys, a)
	a.signer = d
	return d, err
}

func loadDKIM(cfg []config.DKIMKey, a *app) (*mta.DKIM, error) {
	keys := make([]mta.DKIMKey, 0, len(cfg))
	for i, k := range cfg {
		pemBytes, err := os.ReadFile(k.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("dkim.keys[%d].key_file: %w", i, err)
		}
		if st, err := os.Stat(k.KeyFile); err == nil && st.Mode().Perm()&0o007 != 0 && a != nil {
			a.log.Warn("DKIM key file is readable by others; chmod 600 it", "key_file", k.KeyFile)
		}
		priv, err := mta.ParsePrivateKey(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("dkim.keys[%d].key_file %s: %w", i, k.KeyFile, err)
		}
		keys = append(keys, mta.DKIMKey{Domain: k.Domain, Selector: k.Selector, Algorithm: k.Algorithm,
			PrivateKey: priv, Retired: k.Retired, Canonicalization: k.Canonicalization})
	}
	d, err := mta.NewDKIM(keys)
	if err != nil {
		return nil, err
	}
	if a != nil {
		d.WithMetrics(a.reg)
	}
	return d, nil
}

// checkConfigFiles reads the files of cfg that the config itself does not
// (the DKIM keys), so that a missing file or one without a key fails
// `config check` and the start of `serve` alike, with one error naming its
// key, before any role runs without mail.
func checkConfigFiles(cfg config.Config) error {
	_, err := loadDKIM(cfg.DKIM.Keys, nil)
	return err
}
