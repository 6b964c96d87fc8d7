// Package config is in charge of postbode's configuration: one TOML file plus
// POSTBODE_* environment overrides (every key, secrets also as *_FILE), with
// defaults and validation that names the offending key.
//
// An environment variable overrides a key by its path in upper case, dots as
// underscores: api.listen → POSTBODE_API_LISTEN. POSTBODE_API_LISTEN_FILE reads
// the value from a file (for secrets); setting both is an error. Lists are
// comma-separated.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration. Every section lives in its own file.
type Config struct {
	// Roles run by `postbode serve`; optional, default all of them.
	Roles     []string        `toml:"roles"`
	Log       LogConfig       `toml:"log"`
	Database  DatabaseConfig  `toml:"database"`
	Redis     RedisConfig     `toml:"redis"`
	Secrets   SecretsConfig   `toml:"secrets"`
	API       APIConfig       `toml:"api"`
	Metrics   MetricsConfig   `toml:"metrics"`
	Public    PublicConfig    `toml:"public"`
	Inbound   InboundConfig   `toml:"inbound"`
	SMTP      SMTPConfig      `toml:"smtp"`
	DKIM      DKIMConfig      `toml:"dkim"`
	Sending   SendingConfig   `toml:"sending"`
	Bounces   BouncesConfig   `toml:"bounces"`
	Retention RetentionConfig `toml:"retention"`
	Privacy   PrivacyConfig   `toml:"privacy"`
	People    PeopleConfig    `toml:"people"`
}

// AllRoles lists every role in start order.
var AllRoles = []string{"api", "public", "inbound", "scheduler", "sender", "janitor"}

// Duration is a time.Duration that reads from TOML strings like "15m" or "720h".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Default returns the configuration used when a key is not set.
func Default() Config {
	return Config{
		Roles:     append([]string(nil), AllRoles...),
		Log:       defaultLog(),
		Database:  defaultDatabase(),
		Redis:     defaultRedis(),
		API:       defaultAPI(),
		Public:    defaultPublic(),
		Inbound:   defaultInbound(),
		SMTP:      defaultSMTP(),
		DKIM:      DKIMConfig{},
		Sending:   defaultSending(),
		Bounces:   defaultBounces(),
		Retention: defaultRetention(),
		Privacy:   defaultPrivacy(),
		People:    defaultPeople(),
	}
}

// Load reads the file at path (optional: "" means defaults only), applies
// environment overrides from environ (os.Environ() form) and validates.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("config: %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return cfg, fmt.Errorf("config: %s: unknown key %q", path, und[0].String())
		}
		fromFileDir(&cfg, md, filepath.Dir(path))
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	if err := cfg.Secrets.readKeyFile(); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// fromFileDir makes every relative file path written in the config file
// relative to the file's directory dir, not to the working directory the
// daemon happens to start in: a config file and the keys, certificates and
// directories beside it move together. Defaults and environment overrides
// stay as given.
func fromFileDir(cfg *Config, md toml.MetaData, dir string) {
	join := func(p *string, key ...string) {
		if *p != "" && !filepath.IsAbs(*p) && md.IsDefined(key...) {
			*p = filepath.Join(dir, *p)
		}
	}
	join(&cfg.Secrets.KeyFile, "secrets", "key_file")
	join(&cfg.API.SpoolDir, "api", "spool_dir")
	join(&cfg.API.TLS.CertFile, "api", "tls", "cert_file")
	join(&cfg.API.TLS.KeyFile, "api", "tls", "key_file")
	join(&cfg.Public.TLS.CertFile, "public", "tls", "cert_file")
	join(&cfg.Public.TLS.KeyFile, "public", "tls", "key_file")
	join(&cfg.Inbound.TLSCert, "inbound", "tls_cert")
	join(&cfg.Inbound.TLSKey, "inbound", "tls_key")
	join(&cfg.SMTP.CaptureDir, "smtp", "capture_dir")
	for i := range cfg.DKIM.Keys {
		join(&cfg.DKIM.Keys[i].KeyFile, "dkim", "keys") // only the file has DKIM keys
	}
}

// Validate checks every section; the error names the first bad key.
func (c *Config) Validate() error {
	if len(c.Roles) == 0 {
		return keyErr("roles", "at least one role is required")
	}
	for _, r := range c.Roles {
		if !contains(AllRoles, r) {
			return keyErr("roles", fmt.Sprintf("unknown role %q (known: %s)", r, strings.Join(AllRoles, ", ")))
		}
	}
	checks := []func() error{
		c.Log.validate, c.Database.validate, c.Redis.validate, c.Secrets.validate,
		c.API.validate, c.Metrics.validate, c.Public.validate, c.Inbound.validate, c.SMTP.validate,
		c.DKIM.validate, c.Sending.validate, c.Bounces.validate, c.Retention.validate,
		c.Privacy.validate, c.People.validate,
		func() error { return c.API.TLS.validate("api.tls") },
		func() error { return c.Public.TLS.validate("public.tls") },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// HasRole reports whether role is enabled.
func (c *Config) HasRole(role string) bool { return contains(c.Roles, role) }

// KeyError is a validation error for one configuration key.
type KeyError struct {
	Key    string
	Reason string
}

func (e *KeyError) Error() string { return fmt.Sprintf("config: %s: %s", e.Key, e.Reason) }

func keyErr(key, reason string) error { return &KeyError{Key: key, Reason: reason} }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// EnvName is the environment variable that overrides config key key
// (api.listen: POSTBODE_API_LISTEN).
func EnvName(key string) string {
	return "POSTBODE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// applyEnv walks the struct by toml tags and sets every field that has a
// POSTBODE_* variable (or *_FILE variable) in environ.
func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "POSTBODE_") {
			env[k] = v
		}
	}
	return walkEnv(reflect.ValueOf(cfg).Elem(), "", env)
}

func walkEnv(v reflect.Value, prefix string, env map[string]string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(Duration{}) {
			if err := walkEnv(fv, key, env); err != nil {
				return err
			}
			continue
		}
		name := EnvName(key)
		val, ok := env[name]
		if file, fok := env[name+"_FILE"]; fok {
			if ok {
				// Neither wins silently: a shell that exports a key file
				// and a process that sets the key itself would disagree.
				return keyErr(key, fmt.Sprintf("both %s and %s_FILE are set; set one", name, name))
			}
			b, err := os.ReadFile(file)
			if err != nil {
				return keyErr(key, fmt.Sprintf("reading %s_FILE: %v", name, err))
			}
			val, ok = strings.TrimRight(string(b), "\r\n"), true
		}
		if !ok {
			continue
		}
		if err := setField(fv, val); err != nil {
			return keyErr(key, fmt.Sprintf("from %s: %v", name, err))
		}
	}
	return nil
}

func setField(fv reflect.Value, val string) error {
	if fv.Type() == reflect.TypeOf(Duration{}) {
		d, err := time.ParseDuration(val)
		if err != nil {
			return err
		}
		fv.Set(reflect.ValueOf(Duration{d}))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(val)
	case reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return err
		}
		fv.SetFloat(n)
	case reflect.Slice:
		if fv.Type().Elem().Kind() != reflect.String {
			return errors.New("cannot be set from the environment; use the config file")
		}
		var parts []string
		for _, p := range strings.Split(val, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

// BounceDomain is the domain of VERP return paths and mailto-unsubscribe
// addresses: sending.bounce_domain, else the first inbound domain.
func (c *Config) BounceDomain() string {
	if c.Sending.BounceDomain != "" {
		return c.Sending.BounceDomain
	}
	if len(c.Inbound.Domains) > 0 {
		return c.Inbound.Domains[0]
	}
	return "localhost"
}

// MailFrom is the From of the mails postbode sends by itself:
// public.mail_from, else "OrgName <noreply@BounceDomain()>".
func (c *Config) MailFrom() string {
	if c.Public.MailFrom != "" {
		return c.Public.MailFrom
	}
	return fmt.Sprintf("%q <noreply@%s>", c.Public.OrgName, c.BounceDomain())
}
