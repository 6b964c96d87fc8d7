// Package redisconn is in charge of connecting to Redis: it turns the redis
// settings (one URL, or explicit Sentinel or Cluster keys) into one
// redis.UniversalClient — a single server, a Sentinel-watched primary whose
// failover the client follows, or a Redis Cluster. Every other package takes
// the redis.UniversalClient it builds.
//
// URL forms:
//
//	redis://[user:password@]host:port[/db]         one server
//	rediss://...                                   the same over TLS
//	redis+sentinel://[user:password@]s1:26379,s2:26379,s3:26379/<master>[/db][?sentinel_password=…&sentinel_username=…]
//	rediss+sentinel://...                          the same, TLS to the primary and the sentinels
//	redis+cluster://[user:password@]n1:6379,n2:6379,n3:6379
//	rediss+cluster://...                           the same over TLS
//
// In the sentinel form the user and password are those of the primary and
// its replicas; the sentinels' own are the query parameters (none by
// default). A Cluster has only database 0.
package redisconn

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Settings are the redis.* configuration keys.
type Settings struct {
	URL              string
	SentinelMaster   string
	SentinelAddrs    []string
	SentinelUsername string
	SentinelPassword string
	ClusterAddrs     []string
}

// Mode is the topology Settings name.
type Mode string

// The topologies.
const (
	Single   Mode = "single"
	Sentinel Mode = "sentinel"
	Cluster  Mode = "cluster"
)

// SettingError names the configuration key a setting is wrong in.
type SettingError struct {
	Key    string
	Reason string
}

func (e *SettingError) Error() string { return fmt.Sprintf("redis: %s: %s", e.Key, e.Reason) }

func bad(key, format string, a ...any) error {
	return &SettingError{Key: key, Reason: fmt.Sprintf(format, a...)}
}

// Open builds the client s names and checks that it answers.
func Open(ctx context.Context, s Settings) (redis.UniversalClient, error) {
	opt, mode, err := s.Options()
	if err != nil {
		return nil, err
	}
	var rdb redis.UniversalClient
	if mode == Single {
		// Every URL parameter redis.ParseURL knows (pool_timeout, …) applies.
		one, err := redis.ParseURL(s.URL)
		if err != nil {
			return nil, bad("redis.url", "%v", err)
		}
		rdb = redis.NewClient(one)
	} else {
		rdb = redis.NewUniversalClient(opt)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis: ping: %w", err)
	}
	return rdb, nil
}

// Options returns the client options and the topology s names; an error
// names the key that is wrong and why.
func (s Settings) Options() (*redis.UniversalOptions, Mode, error) {
	u, hosts, err := parseURL(s.URL)
	if err != nil {
		return nil, "", bad("redis.url", "not a URL: %v", err)
	}
	base, kind, _ := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" || (kind != "" && kind != "sentinel" && kind != "cluster") {
		return nil, "", bad("redis.url", "scheme %q: must be redis://, rediss://, redis+sentinel:// or redis+cluster:// (rediss+… for TLS)", u.Scheme)
	}
	explicit := len(s.SentinelAddrs) > 0 || s.SentinelMaster != "" || len(s.ClusterAddrs) > 0
	if kind != "" && explicit {
		return nil, "", bad("redis.url", "a %s:// URL already names the servers; drop redis.sentinel_* and redis.cluster_addrs, or use a redis:// URL for auth and database only", u.Scheme)
	}
	if (len(s.SentinelAddrs) > 0 || s.SentinelMaster != "") && len(s.ClusterAddrs) > 0 {
		return nil, "", bad("redis.cluster_addrs", "a Redis Cluster fails over by itself and has no Sentinel: set either redis.sentinel_* or redis.cluster_addrs")
	}
	opt := &redis.UniversalOptions{}
	if base == "rediss" {
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if u.User != nil {
		opt.Username = u.User.Username()
		opt.Password, _ = u.User.Password()
	}
	switch {
	case kind == "sentinel":
		return s.sentinelURL(u, hosts, opt)
	case kind == "cluster":
		return clusterOpts(opt, hosts, "redis.url", u.Path, u.Query())
	case len(s.ClusterAddrs) > 0:
		return clusterOpts(opt, s.ClusterAddrs, "redis.cluster_addrs", u.Path, u.Query())
	case len(s.SentinelAddrs) > 0 || s.SentinelMaster != "":
		return s.sentinelExplicit(u, opt)
	}
	one, err := redis.ParseURL(s.URL)
	if err != nil {
		return nil, "", bad("redis.url", "%v", err)
	}
	opt.Addrs, opt.DB, opt.TLSConfig = []string{one.Addr}, one.DB, one.TLSConfig
	opt.Protocol, opt.ClientName = one.Protocol, one.ClientName
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = one.DialTimeout, one.ReadTimeout, one.WriteTimeout
	opt.PoolSize, opt.MinIdleConns, opt.MaxRetries = one.PoolSize, one.MinIdleConns, one.MaxRetries
	return opt, Single, nil
}

// sentinelURL reads redis+sentinel://[auth@]s1,s2,s3/<master>[/db].
func (s Settings) sentinelURL(u *url.URL, hosts []string, opt *redis.UniversalOptions) (*redis.UniversalOptions, Mode, error) {
	parts := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(parts) == 0 || len(parts) > 2 {
		return nil, "", bad("redis.url", "%s:// needs the master name the sentinels monitor as its path, and optionally the database: %s://s1:26379,s2:26379,s3:26379/mymaster/0", u.Scheme, u.Scheme)
	}
	opt.MasterName = parts[0]
	if len(parts) == 2 {
		db, err := strconv.Atoi(parts[1])
		if err != nil || db < 0 {
			return nil, "", bad("redis.url", "database %q: must be a number", parts[1])
		}
		opt.DB = db
	}
	q := u.Query()
	for k := range q {
		if k != "sentinel_password" && k != "sentinel_username" {
			return nil, "", bad("redis.url", "unknown parameter %q (known: sentinel_password, sentinel_username)", k)
		}
	}
	opt.SentinelUsername, opt.SentinelPassword = q.Get("sentinel_username"), q.Get("sentinel_password")
	addrs, err := withPorts(hosts, "26379", "redis.url")
	if err != nil {
		return nil, "", err
	}
	opt.Addrs = addrs
	return opt, Sentinel, nil
}

// sentinelExplicit reads redis.sentinel_*; the URL gives auth, database and TLS.
func (s Settings) sentinelExplicit(u *url.URL, opt *redis.UniversalOptions) (*redis.UniversalOptions, Mode, error) {
	if s.SentinelMaster == "" {
		return nil, "", bad("redis.sentinel_master", "required with redis.sentinel_addrs: the name the sentinels monitor (sentinel monitor <name> …)")
	}
	if len(s.SentinelAddrs) == 0 {
		return nil, "", bad("redis.sentinel_addrs", "required with redis.sentinel_master: the sentinels' host:port, e.g. [\"s1:26379\", \"s2:26379\", \"s3:26379\"]")
	}
	addrs, err := withPorts(s.SentinelAddrs, "26379", "redis.sentinel_addrs")
	if err != nil {
		return nil, "", err
	}
	db, err := urlDB(u)
	if err != nil {
		return nil, "", err
	}
	opt.Addrs, opt.MasterName, opt.DB = addrs, s.SentinelMaster, db
	opt.SentinelUsername, opt.SentinelPassword = s.SentinelUsername, s.SentinelPassword
	return opt, Sentinel, nil
}

func clusterOpts(opt *redis.UniversalOptions, hosts []string, key, path string, q url.Values) (*redis.UniversalOptions, Mode, error) {
	if db := strings.Trim(path, "/"); db != "" && db != "0" {
		return nil, "", bad("redis.url", "database %s: a Redis Cluster has only database 0", db)
	}
	if len(q) > 0 {
		return nil, "", bad("redis.url", "a cluster URL takes no parameters")
	}
	addrs, err := withPorts(hosts, "6379", key)
	if err != nil {
		return nil, "", err
	}
	opt.Addrs, opt.IsClusterMode = addrs, true
	return opt, Cluster, nil
}

// parseURL parses raw, whose host part may list several host[:port]
// separated by commas (which net/url does not accept), and returns them.
func parseURL(raw string) (*url.URL, []string, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, nil, fmt.Errorf("%q has no scheme://", raw)
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth, tail := rest[:end], rest[end:]
	userinfo, hostlist := "", auth
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		userinfo, hostlist = auth[:i+1], auth[i+1:]
	}
	u, err := url.Parse(scheme + "://" + userinfo + "placeholder" + tail)
	if err != nil {
		return nil, nil, err
	}
	return u, splitHosts(hostlist), nil
}

func urlDB(u *url.URL) (int, error) {
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return 0, nil
	}
	db, err := strconv.Atoi(p)
	if err != nil || db < 0 {
		return 0, bad("redis.url", "database %q: must be a number", p)
	}
	return db, nil
}

func splitHosts(h string) []string {
	var out []string
	for _, a := range strings.Split(h, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// withPorts adds port to the addresses that have none and checks each.
func withPorts(addrs []string, port, key string) ([]string, error) {
	if len(addrs) == 0 {
		return nil, bad(key, "no server address")
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(a, port)
		}
		h, p, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(p); err != nil || h == "" || perr != nil || n < 1 || n > 65535 {
			return nil, bad(key, "address %q: must be host:port", addrs[i])
		}
		out[i] = a
	}
	return out, nil
}
