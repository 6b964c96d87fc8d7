package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/postbode/postbode/internal/redisconn"
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
	// URL is a postgres:// connection URL; required. It may list several
	// hosts (h1:5432,h2:5432) with target_session_attrs=read-write, so the
	// primary is found after a failover. Behind PgBouncer in transaction
	// pooling add default_query_exec_mode=cache_describe (see README).
	URL string `toml:"url"`
	// ReplicaURL is a read replica for reports and access exports, which
	// then lag the primary by the replication delay; optional.
	ReplicaURL string `toml:"replica_url"`
	// MaxConns caps the pool; optional, default 20.
	MaxConns int `toml:"max_conns"`
	// Migrate applies pending migrations when serve starts; optional, default true.
	Migrate bool `toml:"migrate"`
}

func defaultDatabase() DatabaseConfig {
	return DatabaseConfig{URL: "postgres://postgres@127.0.0.1:5432/postbode?sslmode=disable", MaxConns: 20, Migrate: true}
}

func (c *DatabaseConfig) validate() error {
	if err := checkPostgresURL("database.url", c.URL); err != nil {
		return err
	}
	if c.ReplicaURL != "" {
		if err := checkPostgresURL("database.replica_url", c.ReplicaURL); err != nil {
			return err
		}
		if a := queryParam(c.ReplicaURL, "target_session_attrs"); a == "read-write" || a == "primary" {
			return keyErr("database.replica_url", "target_session_attrs="+a+" would send the reports to the primary: use prefer-standby or standby, or leave replica_url unset")
		}
	}
	if c.MaxConns < 2 || c.MaxConns > 1000 {
		return keyErr("database.max_conns", "must be between 2 and 1000")
	}
	return nil
}

// queryExecModes are pgx's values of default_query_exec_mode.
var queryExecModes = []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"}

// checkPostgresURL checks a postgres:// URL, and that one listing several
// hosts asks for the primary. Errors never repeat the URL (it may hold a
// password).
func checkPostgresURL(key, raw string) error {
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return keyErr(key, "must be a postgres:// URL")
	}
	pc, err := pgconn.ParseConfig(raw)
	if err != nil {
		return keyErr(key, "not a valid postgres:// URL (hosts, port or parameters)")
	}
	if m := queryParam(raw, "default_query_exec_mode"); m != "" && !contains(queryExecModes, m) {
		return keyErr(key, fmt.Sprintf("default_query_exec_mode=%s: must be one of %s", m, strings.Join(queryExecModes, ", ")))
	}
	if a := queryParam(raw, "target_session_attrs"); severalHosts(pc) && key == "database.url" && a != "read-write" && a != "primary" {
		return keyErr(key, "lists several hosts: add target_session_attrs=read-write so postbode connects to the primary, and finds the promoted one after a failover; without it a read-only standby may be picked and every write fails")
	}
	return nil
}

// severalHosts reports whether a parsed URL names more than one server. The
// default sslmode=prefer adds a fallback to the same host without TLS, so
// fallbacks alone do not mean several hosts.
func severalHosts(pc *pgconn.Config) bool {
	for _, fb := range pc.Fallbacks {
		if fb.Host != pc.Host || fb.Port != pc.Port {
			return true
		}
	}
	return false
}

// queryParam returns a parameter of a URL whose host part may list hosts.
func queryParam(raw, name string) string {
	_, q, ok := strings.Cut(raw, "?")
	if !ok {
		return ""
	}
	v, _ := url.ParseQuery(q)
	return v.Get(name)
}

// RedisConfig configures the Redis connection: one server, a Sentinel set
// (the client follows a failover) or a Redis Cluster. The URL forms are in
// internal/redisconn.
type RedisConfig struct {
	// URL is a redis://, rediss://, redis+sentinel:// or redis+cluster://
	// URL; required. With the explicit keys below it gives only the user,
	// password, database and TLS.
	URL string `toml:"url"`
	// KeyPrefix is put before every key postbode writes; optional, default "pb:".
	KeyPrefix string `toml:"key_prefix"`
	// SentinelMaster is the name the sentinels monitor; optional, with SentinelAddrs.
	SentinelMaster string `toml:"sentinel_master"`
	// SentinelAddrs are the sentinels' host:port; optional.
	SentinelAddrs []string `toml:"sentinel_addrs"`
	// SentinelUsername and SentinelPassword authenticate to the sentinels; optional.
	SentinelUsername string `toml:"sentinel_username"`
	SentinelPassword string `toml:"sentinel_password"`
	// ClusterAddrs are some nodes of a Redis Cluster (host:port); optional.
	ClusterAddrs []string `toml:"cluster_addrs"`
}

func defaultRedis() RedisConfig {
	return RedisConfig{URL: "redis://127.0.0.1:6379/0", KeyPrefix: "pb:"}
}

// Settings returns the connection keys for redisconn.Open.
func (c *RedisConfig) Settings() redisconn.Settings {
	return redisconn.Settings{URL: c.URL, SentinelMaster: c.SentinelMaster, SentinelAddrs: c.SentinelAddrs,
		SentinelUsername: c.SentinelUsername, SentinelPassword: c.SentinelPassword, ClusterAddrs: c.ClusterAddrs}
}

func (c *RedisConfig) validate() error {
	if _, _, err := c.Settings().Options(); err != nil {
		var se *redisconn.SettingError
		if errors.As(err, &se) {
			return keyErr(se.Key, se.Reason)
		}
		return keyErr("redis.url", err.Error())
	}
	if strings.ContainsAny(c.KeyPrefix, " \r\n") {
		return keyErr("redis.key_prefix", "must not contain whitespace")
	}
	if strings.ContainsAny(c.KeyPrefix, "{}") {
		return keyErr("redis.key_prefix", "must not contain { or }: the keys carry a hash tag per campaign and per domain after the prefix, which a brace in the prefix would replace, putting every key in one Redis Cluster slot")
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
	// ReadTimeout bounds reading one request, its body included; optional,
	// default 1m, between 5s and 1h.
	ReadTimeout Duration `toml:"read_timeout"`
	// UploadTimeout bounds reading an import upload (the routes that take
	// a file, once the sender is signed in); optional, default 10m,
	// between read_timeout and 24h.
	UploadTimeout Duration `toml:"upload_timeout"`
	// TLS serves the admin listener over HTTPS; optional.
	TLS TLSConfig `toml:"tls"`
}

func defaultAPI() APIConfig {
	return APIConfig{Listen: "127.0.0.1:8080", MaxBodyBytes: 1 << 20, MaxImportBytes: 2 << 30,
		ReadTimeout: Duration{time.Minute}, UploadTimeout: Duration{10 * time.Minute}}
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
	if c.ReadTimeout.Duration < 5*time.Second || c.ReadTimeout.Duration > time.Hour {
		return keyErr("api.read_timeout", "must be between 5s and 1h")
	}
	if c.UploadTimeout.Duration < c.ReadTimeout.Duration || c.UploadTimeout.Duration > 24*time.Hour {
		return keyErr("api.upload_timeout", "must be between api.read_timeout and 24h")
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
