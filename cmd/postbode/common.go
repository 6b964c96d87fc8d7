package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/redisconn"
)

// configFlag registers --config with its default from POSTBODE_CONFIG.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", os.Getenv("POSTBODE_CONFIG"), "config file (TOML); optional, env POSTBODE_CONFIG")
}

// devConfig is the development config `make run` writes in the checkout;
// postbode run from the checkout without --config or POSTBODE_CONFIG uses it.
const devConfig = ".data/postbode.toml"

// loadConfig loads the config at path; an empty path means devConfig when
// it exists (said on stderr), else defaults and environment only.
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		if _, err := os.Stat(devConfig); err == nil {
			fmt.Fprintf(os.Stderr, "postbode: using %s (the development config of make run; --config or POSTBODE_CONFIG picks another)\n", devConfig)
			path = devConfig
		}
	}
	return config.Load(path, os.Environ())
}

func newLogger(cfg config.LogConfig, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func openDB(ctx context.Context, cfg config.Config) (*db.Pool, error) {
	return db.Open(ctx, cfg.Database.URL, cfg.Database.MaxConns)
}

// openReplica opens database.replica_url (reports and exports read there),
// or returns nil when it is unset.
func openReplica(ctx context.Context, cfg config.Config) (*db.Pool, error) {
	if cfg.Database.ReplicaURL == "" {
		return nil, nil
	}
	pool, err := db.Open(ctx, cfg.Database.ReplicaURL, max(2, cfg.Database.MaxConns/4))
	if err != nil {
		return nil, fmt.Errorf("database.replica_url: %w", err)
	}
	return pool, nil
}

// openRedis builds the one Redis client from the redis.* keys: one server,
// a Sentinel set or a Cluster (internal/redisconn).
func openRedis(ctx context.Context, cfg config.Config) (redis.UniversalClient, error) {
	return redisconn.Open(ctx, cfg.Redis.Settings())
}

// parseAndOpen parses an ops command's flags (fs from newFlags, with
// --config from configFlag, passed as cfgPath), loads the config and opens
// Postgres. The caller closes the pool.
func parseAndOpen(ctx context.Context, fs *flag.FlagSet, cfgPath *string, args []string) (config.Config, *db.Pool, error) {
	if err := parseNoArgs(fs, args); err != nil {
		return config.Config{}, nil, err
	}
	return loadAndOpen(ctx, *cfgPath)
}

// loadAndOpen loads the config at path and opens Postgres.
func loadAndOpen(ctx context.Context, path string) (config.Config, *db.Pool, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return cfg, nil, err
	}
	pool, err := openDB(ctx, cfg)
	return cfg, pool, err
}
