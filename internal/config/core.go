package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// LogConfig configures logging.
type LogConfig struct {
	// Level: debug, info, warn or error; optional, default info.
	Level string `toml:"level"`
	// Format: json or text; optional, default json.
	Format string `toml:"format"`
}

func defaultLog() LogConfig { return LogConfig{Level: "info", Format: "json"} }

func (c *LogConfig) validate() error {
	if !contains([]string{"debug", "info", "warn", "error"}, c.Level) {
		return keyErr("log.level", "must be debug, info, warn or error")
	}
	if !contains([]string{"json", "text"}, c.Format) {
		return keyErr("log.format", "must be json or text")
	}
	return nil
}

// DatabaseConfig configures the Postgres connection.
type DatabaseConfig struct {
	// URL is a postgres:// connection URL; required.
	URL string `toml:"url"`
	// MaxConns caps the pool; optional, default 20.
	MaxConns int `toml:"max_conns"`
	// Migrate applies pending migrations when serve starts; optional, default true.
	Migrate bool `toml:"migrate"`
}

func defaultDatabase() DatabaseConfig {
	return DatabaseConfig{URL: "postgres://postgres@127.0.0.1:5432/postbode?sslmode=disable", MaxConns: 20, Migrate: true}
}

func (c *DatabaseConfig) validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return keyErr("database.url", "must be a postgres:// URL")
	}
	if c.MaxConns < 2 || c.MaxConns > 1000 {
		return keyErr("database.max_conns", "must be between 2 and 1000")
	}
	return nil
}

// RedisConfig configures the Redis connection.
type RedisConfig struct {
	// URL is a redis:// or rediss:// URL; required.
	URL string `toml:"url"`
	// KeyPrefix is put before every key postbode writes; optional, default "pb:".
	KeyPrefix string `toml:"key_prefix"`
}

func defaultRedis() RedisConfig {
	return RedisConfig{URL: "redis://127.0.0.1:6379/0", KeyPrefix: "pb:"}
}

func (c *RedisConfig) validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return keyErr("redis.url", "must be a redis:// or rediss:// URL")
	}
	if strings.ContainsAny(c.KeyPrefix, " \r\n") {
		return keyErr("redis.key_prefix", "must not contain whitespace")
	}
	return nil
}

// SecretsConfig holds the server keys. Set them from the environment or *_FILE.
type SecretsConfig struct {
	// Key signs recipient tokens, VERP addresses and hashes suppressed addresses;
	// required, at least 32 random characters (placeholders, repeated
	// patterns and low-entropy keys are refused). Rotate by moving the old
	// one to OldKeys.
	Key string `toml:"key"`
	// KeyFile names a file holding Key (a trailing newline is ignored), read
	// when Key is not set; a relative path is relative to the directory of
	// the config file; optional.
	KeyFile string `toml:"key_file"`
	// OldKeys still verify tokens made before a rotation; optional.
	OldKeys []string `toml:"old_keys"`
	// OldKeysUntil is the time (RFC 3339) after which OldKeys no longer
	// verify, so links in mails sent before a rotation keep working for a
	// while and then stop; optional, default forever.
	OldKeysUntil string `toml:"old_keys_until"`
}

// readKeyFile sets Key from KeyFile when Key is empty.
func (c *SecretsConfig) readKeyFile() error {
	if c.Key != "" || c.KeyFile == "" {
		return nil
	}
	b, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return keyErr("secrets.key_file", err.Error())
	}
	c.Key = strings.TrimRight(string(b), "\r\n")
	return nil
}

// VerifyingOldKeys returns the old keys that still verify at now.
func (c *SecretsConfig) VerifyingOldKeys(now time.Time) []string {
	if c.OldKeysUntil != "" {
		if t, err := time.Parse(time.RFC3339, c.OldKeysUntil); err == nil && now.After(t) {
			return nil
		}
	}
	return c.OldKeys
}

func (c *SecretsConfig) validate() error {
	if why := weakKey(c.Key); why != "" {
		return keyErr("secrets.key", why)
	}
	if c.OldKeysUntil != "" {
		if _, err := time.Parse(time.RFC3339, c.OldKeysUntil); err != nil {
			return keyErr("secrets.old_keys_until", "must be an RFC 3339 time like 2026-12-31T00:00:00Z")
		}
	}
	for i, k := range c.OldKeys {
		if why := weakKey(k); why != "" {
			return keyErr(fmt.Sprintf("secrets.old_keys[%d]", i), why)
		}
	}
	return nil
}

// APIConfig configures the admin listener (JSON API, metrics, health).
type APIConfig struct {
	// Listen is the admin address; optional, default 127.0.0.1:8080.
	Listen string `toml:"listen"`
	// MaxBodyBytes caps JSON request bodies; optional, default 1 MiB.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// MaxImportBytes caps one import upload; optional, default 2 GiB.
	MaxImportBytes int64 `toml:"max_import_bytes"`
	// SpoolDir holds import uploads while they are processed; optional, default the OS temp dir.
	SpoolDir string `toml:"spool_dir"`
}

func defaultAPI() APIConfig {
	return APIConfig{Listen: "127.0.0.1:8080", MaxBodyBytes: 1 << 20, MaxImportBytes: 2 << 30}
}

func (c *APIConfig) validate() error {
	if err := validAddr(c.Listen); err != nil {
		return keyErr("api.listen", err.Error())
	}
	if c.MaxBodyBytes < 1024 {
		return keyErr("api.max_body_bytes", "must be at least 1024")
	}
	if c.MaxImportBytes < 1024 {
		return keyErr("api.max_import_bytes", "must be at least 1024")
	}
	return nil
}

// MetricsConfig configures a listener with only /metrics, /healthz and
// /readyz: the one address a process without the api role binds (it opens
// no admin listener), so several role processes can run on one host.
type MetricsConfig struct {
	// Listen is its address; optional, default none (a process without the
	// api role then serves no HTTP; with the api role the admin listener
	// serves the same paths as well).
	Listen string `toml:"listen"`
}

func (c *MetricsConfig) validate() error {
	if c.Listen == "" {
		return nil
	}
	if err := validAddr(c.Listen); err != nil {
		return keyErr("metrics.listen", err.Error())
	}
	return nil
}

func validAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port (%v)", err)
	}
	if port == "" {
		return fmt.Errorf("port is required")
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /") {
		return fmt.Errorf("invalid host %q", host)
	}
	return nil
}
