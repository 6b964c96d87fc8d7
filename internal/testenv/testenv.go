// Package testenv gives tests their own real Postgres database and Redis key
// space. It never mocks: a missing Postgres or Redis fails the test.
//
// POSTBODE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
// must reach a role that may create databases; POSTBODE_TEST_REDIS_URL
// (default redis://127.0.0.1:6379/0) a Redis server. Every database a test
// creates is named POSTBODE_TEST_DB_PREFIX (default pbt_) and a random
// suffix, so checkouts sharing one server use different prefixes and
// `deploy/dev/services.sh sweep` drops what a killed run left. `make test`
// sets all three. POSTBODE_TEST_POOLER_URL, when set (make test-pgbouncer),
// is a connection pooler in front of that server: the databases are created
// on the server and the tests (and the daemons they start) use them through
// the pooler.
package testenv

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/redisconn"
)

// DatabaseURL returns the admin URL tests connect to.
func DatabaseURL() string {
	if u := os.Getenv("POSTBODE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL returns the Redis URL tests connect to.
func RedisURL() string {
	if u := os.Getenv("POSTBODE_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// DBPrefix returns the prefix of every test database's name.
func DBPrefix() string {
	if p := os.Getenv("POSTBODE_TEST_DB_PREFIX"); p != "" {
		return p
	}
	return "pbt_"
}

var dbPrefixRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,29}$`)

// Logger returns a logger that writes to the test log only when -v is set.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// DB returns a pool on a fresh database with every migration applied. The
// database is dropped when the test ends.
func DB(t testing.TB) *db.Pool {
	t.Helper()
	pool, _ := DBWithURL(t)
	return pool
}

// DBWithURL is DB and also returns the database's URL (for subprocesses).
func DBWithURL(t testing.TB) (*db.Pool, string) {
	t.Helper()
	ctx := context.Background()
	templateOnce.Do(func() {
		if !dbPrefixRE.MatchString(DBPrefix()) {
			templateErr = fmt.Errorf("POSTBODE_TEST_DB_PREFIX %q: lower-case letters, digits and _ only, at most 30", DBPrefix())
			return
		}
		templateName, templateErr = prepareTemplate(ctx)
	})
	if templateErr != nil {
		t.Fatalf("testenv: Postgres at %s: %v", DatabaseURL(), templateErr)
	}
	name := DBPrefix() + randHex(8)
	admin, err := pgx.Connect(ctx, DatabaseURL())
	if err != nil {
		t.Fatalf("testenv: connect Postgres: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateName)); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	dbURL := withDatabase(cmp.Or(os.Getenv("POSTBODE_TEST_POOLER_URL"), DatabaseURL()), name)
	pool, err := db.Open(ctx, dbURL, 10)
	if err != nil {
		t.Fatalf("testenv: open test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		c, err := pgx.Connect(context.Background(), DatabaseURL())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return pool, dbURL
}

// prepareTemplate creates (once per migration set, shared by all test
// processes) a migrated template database to clone.
func prepareTemplate(ctx context.Context) (string, error) {
	migs, err := db.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range migs {
		fmt.Fprintf(h, "%d %s\n", m.Version, m.SQL)
	}
	name := DBPrefix() + "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, DatabaseURL())
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	// Serialise template creation across test processes (a session lock:
	// admin connects to the server itself, never through a pooler).
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(7070707)`); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock(7070707)`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building))
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	pool, err := db.Open(ctx, withDatabase(DatabaseURL(), building), 2)
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// ServerURL returns the URL of dbURL's database on the Postgres server
// itself, never through POSTBODE_TEST_POOLER_URL (to check behaviour both
// through the pooler and without it).
func ServerURL(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	return withDatabase(DatabaseURL(), u.Path[1:])
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// Redis returns a client and a key prefix unique to this test; keys under the
// prefix are deleted when the test ends. The client is built by redisconn
// (the one place that builds a Redis client) and fails the test when a
// script, transaction or multi-key command touches keys of more than one
// Redis Cluster hash slot (CrossSlotHook), so every test that uses Redis
// also checks that the code works on a Cluster.
func Redis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rdb, err := redisconn.Open(ctx, redisconn.Settings{URL: RedisURL()})
	if err != nil {
		t.Fatalf("testenv: Redis at %s: %v", RedisURL(), err)
	}
	rdb.AddHook(CrossSlotHook{T: t})
	prefix := "pbt:" + randHex(6) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for _, k := range keys {
			rdb.Del(ctx, k)
		}
		rdb.Close()
	})
	return rdb, prefix
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Tamper returns tok with its middle character replaced by another one of
// the URL-safe base64 alphabet. Unlike a change to the last characters, which
// may carry unused bits or already be what the test writes, it always changes
// the bytes the token stands for.
func Tamper(tok string) string {
	i := len(tok) / 2
	if tok[i] == '.' {
		i++
	}
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
