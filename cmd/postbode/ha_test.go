//go:build faults

package main

// Failover tests (make test-faults, TestHA*): postbode on the engines' own
// high availability — Redis Sentinel, Redis Cluster, PgBouncer in
// transaction pooling, a promoted Postgres replica. Each starts its servers
// on loopback ports of its own and reports what it measured.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/redisconn"
	"github.com/postbode/postbode/internal/testenv"
)

// TestHASentinelFailover: a Redis primary with one replica and three
// sentinels; the primary is killed mid-campaign. The client follows the
// failover, the campaign finishes, no recipient is lost, duplicates stay
// within the messages in flight.
func TestHASentinelFailover(t *testing.T) {
	needBinary(t, "redis-server")
	const n, senders = 3000, 2
	primary := startRedisNode(t)
	replica := startRedisNode(t, "--replicaof", "127.0.0.1", primary.port)
	waitFor(t, 20*time.Second, "replica in sync", func() bool {
		return redisInfo(replica.addr(), "replication", "master_link_status") == "up"
	})
	var addrs []string
	for range 3 {
		addrs = append(addrs, startSentinel(t, "pbmaster", primary.addr()).addr())
	}
	for _, a := range addrs {
		waitFor(t, 30*time.Second, "sentinel "+a+" sees the replica and the other sentinels", func() bool {
			sc := redis.NewSentinelClient(&redis.Options{Addr: a})
			defer sc.Close()
			r, _ := sc.Replicas(context.Background(), "pbmaster").Result()
			s, _ := sc.Sentinels(context.Background(), "pbmaster").Result()
			return len(r) >= 1 && len(s) >= 2
		})
	}
	redisURL := "redis+sentinel://" + strings.Join(addrs, ",") + "/pbmaster/0"
	c := newCluster(t, "", redisURL)
	c.node("api,scheduler")
	for range senders {
		c.node("sender")
	}
	c.sink.set(false, 2*time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/4, 90*time.Second)
	killedAt, _, _ := c.sink.counts()
	killed := time.Now()
	primary.kill()
	writable := redisWritableAgain(t, redisURL, 60*time.Second)
	atBack, _, _ := c.sink.counts()
	c.waitSink(atBack+1, 60*time.Second)
	resumed := time.Since(killed)
	c.sink.set(false, 0)
	st := c.finish(id, n, senders*inFlight, 180*time.Second)
	_, _, dup := c.sink.counts()
	t.Logf("HA sentinel: primary killed after %d of %d messages; Redis writable again (replica promoted) after %s; sending resumed after %s; %d duplicates (bound %d); stats %+v",
		killedAt, n, writable.Round(10*time.Millisecond), resumed.Round(10*time.Millisecond), dup, senders*inFlight, st)
	if killedAt >= n {
		t.Fatal("the campaign finished before the kill; the test proved nothing")
	}
	if role := redisInfo(replica.addr(), "replication", "role"); role != "master" {
		t.Errorf("the replica is %s after the failover, want master", role)
	}
}

// redisWritableAgain returns how long after now a write through the
// Sentinel URL succeeds again.
func redisWritableAgain(t *testing.T, redisURL string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	opt, _, err := redisconn.Settings{URL: redisURL}.Options()
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxRetries, opt.DialTimeout, opt.ReadTimeout = -1, 300*time.Millisecond, 300*time.Millisecond
	rdb := redis.NewUniversalClient(opt)
	defer rdb.Close()
	// The primary was just killed: wait until a write goes to a node that is
	// not it (the client may still hold the old address for a moment).
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Set(ctx, "pbf:ha:probe", time.Now().UnixNano(), time.Minute).Err()
		cancel()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("Redis not writable %s after the primary was killed: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHAClusterTwoSenders: a Redis Cluster of three masters; a campaign of
// 10k recipients over 20 domains (queue, claims and throttles spread over
// the slots) sent by two sender nodes: nothing lost, nothing sent twice.
func TestHAClusterTwoSenders(t *testing.T) {
	needBinary(t, "redis-server", "redis-cli")
	const n, senders = 10000, 2
	var nodes []string
	for range 3 {
		p := startRedisNode(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		nodes = append(nodes, p.addr())
	}
	out, err := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, nodes...), "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range nodes {
		waitFor(t, 30*time.Second, "cluster state ok on "+a, func() bool { return redisInfo(a, "cluster", "cluster_state") == "ok" })
	}
	c := newCluster(t, "", "redis+cluster://"+strings.Join(nodes, ","))
	c.domains = 20
	c.node("api,scheduler")
	ds := make([]*daemon, senders)
	for i := range ds {
		ds[i] = c.node("sender")
	}
	start := time.Now()
	id := c.campaign(n)
	c.waitSink(n/3, 120*time.Second)
	keys := clusterKeysPerNode(nodes)
	st := c.finish(id, n, 0, 300*time.Second)
	var per []string
	for i, d := range ds {
		per = append(per, fmt.Sprintf("node %d sent %.0f", i, metric(t, d, "postbode_messages_total", `result="sent"`)))
	}
	t.Logf("HA cluster: %d recipients over %d domains on 3 masters in %s (%.0f msg/s, import included); %s; keys per master mid-campaign %v; stats %+v",
		n, c.domains, time.Since(start).Round(100*time.Millisecond), float64(n)/time.Since(start).Seconds(), strings.Join(per, ", "), keys, st)
}

// spreadCSV is an import file of n contacts r<i>@d<i mod domains>.example.org.
func spreadCSV(n, domains int) string {
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := range n {
		fmt.Fprintf(&csv, "r%d@d%d.example.org,R%d\n", i, i%domains, i)
	}
	return csv.String()
}

// stats reads the campaign's statistics.
func (c *cluster) stats(id int64) faultStats {
	var st faultStats
	json.Unmarshal([]byte(c.call("GET", fmt.Sprintf("/api/v1/campaigns/%d/stats", id), "", 200)), &st)
	return st
}

func clusterKeysPerNode(nodes []string) []int64 {
	out := make([]int64, len(nodes))
	for i, a := range nodes {
		c := redis.NewClient(&redis.Options{Addr: a})
		out[i], _ = c.DBSize(context.Background()).Result()
		c.Close()
	}
	return out
}

// TestHAPgBouncerTransactionPooling: two nodes migrate an empty database at
// once and send a campaign, every connection through PgBouncer in
// transaction pooling mode: the migrations apply once, nothing is lost or
// sent twice.
func TestHAPgBouncerTransactionPooling(t *testing.T) {
	const n = 3000
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, testenv.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := testenv.DBPrefix() + "pgb_" + fmt.Sprint(time.Now().UnixNano()%1e9)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testenv.DatabaseURL())
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, _ := url.Parse(testenv.DatabaseURL())
	host, port, _ := net.SplitHostPort(u.Host)
	pgb := startPgBouncer(t, host, port)
	u.Host, u.Path = pgb.addr(), "/"+name
	q := u.Query()
	q.Set("default_query_exec_mode", "cache_describe")
	u.RawQuery = q.Encode()
	pooled := u.String()

	preparedStatementsBreak(t, strings.Replace(pooled, "default_query_exec_mode=cache_describe", "default_query_exec_mode=cache_statement", 1))

	c := newCluster(t, pooled, "")
	var wg sync.WaitGroup
	var api, sender *daemon
	wg.Add(2)
	go func() { defer wg.Done(); api = startNode(t, "api,scheduler", c.env) }()
	go func() { defer wg.Done(); sender = startNode(t, "sender", c.env) }()
	wg.Wait()
	c.api = api
	c.token = api.cli(t, "token", "create", "--role", "admin", "--name", "faults")
	var applied int
	direct, _ := url.Parse(testenv.DatabaseURL())
	direct.Path = "/" + name
	if dc, err := pgx.Connect(ctx, direct.String()); err == nil {
		dc.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied)
		dc.Close(ctx)
	}
	start := time.Now()
	id := c.campaign(n)
	st := c.finish(id, n, 0, 180*time.Second)
	t.Logf("HA pgbouncer: two nodes migrated %d versions at once through PgBouncer (transaction pooling); campaign of %d in %s, sender sent %.0f; stats %+v",
		applied, n, time.Since(start).Round(100*time.Millisecond), metric(t, sender, "postbode_messages_total", `result="sent"`), st)
}

// preparedStatementsBreak logs what pgx's default statement cache does
// through the pooler (named prepared statements do not survive transaction
// pooling in PgBouncer before 1.21), the reason for cache_describe.
func preparedStatementsBreak(t *testing.T, rawURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, rawURL)
	if err != nil {
		t.Logf("cache_statement through PgBouncer: %v", err)
		return
	}
	defer pool.Close()
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				var v int
				if err := pool.QueryRow(ctx, fmt.Sprintf("SELECT $1::int + %d", j%4), i).Scan(&v); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("pgx default_query_exec_mode=cache_statement through PgBouncer in transaction pooling: first error %v", firstErr)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestHAPostgresPromoteReplica: Postgres with a synchronous streaming
// replica; the primary crashes mid-campaign and the replica is promoted.
// The nodes' multi-host URL (target_session_attrs=read-write) finds the new
// primary; the campaign finishes, nothing lost, duplicates within in flight.
func TestHAPostgresPromoteReplica(t *testing.T) {
	const n = 3000
	begin := time.Now()
	p := startPrivatePostgres(t)
	base, err := os.MkdirTemp("", "postbode-pgr")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o777)
	r := &privatePostgres{t: t, bin: p.bin, dir: filepath.Join(base, "data"), port: freePort(t), user: p.user}
	t.Cleanup(func() { r.stop(); os.RemoveAll(base) })
	if out, err := p.run("pg_basebackup", "-h", "127.0.0.1", "-p", p.port, "-U", "postgres", "-D", r.dir, "-R", "-X", "stream", "--checkpoint=fast"); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	r.start()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the replica streams", func() bool {
		var k int
		conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'`).Scan(&k)
		return k == 1
	})
	// Synchronous: a commit the nodes saw is on the replica too.
	conn.Exec(ctx, `ALTER SYSTEM SET synchronous_standby_names = '*'`)
	conn.Exec(ctx, `SELECT pg_reload_conf()`)
	conn.Close(ctx)
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%s,127.0.0.1:%s/postbode?sslmode=disable&target_session_attrs=read-write", p.port, r.port)
	t.Logf("primary and synchronous replica up after %s", time.Since(begin).Round(100*time.Millisecond))
	c := newCluster(t, dbURL, "")
	c.node("api,scheduler")
	sender := c.node("sender")
	t.Logf("nodes up after %s", time.Since(begin).Round(100*time.Millisecond))
	c.sink.set(false, 2*time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/4, 90*time.Second)
	t.Logf("a quarter sent after %s", time.Since(begin).Round(100*time.Millisecond))
	before := c.stats(id)
	crashedAt, _, _ := c.sink.counts()
	crashed := time.Now()
	if out, err := p.run("pg_ctl", "-D", p.dir, "-m", "immediate", "-w", "stop"); err != nil {
		t.Fatalf("crash the primary: %v\n%s", err, out)
	}
	if out, err := r.run("pg_ctl", "-D", r.dir, "-w", "promote"); err != nil {
		t.Fatalf("promote: %v\n%s", err, out)
	}
	promoted := time.Since(crashed)
	waitFor(t, 90*time.Second, "sends recorded on the promoted replica", func() bool { return c.stats(id).Sent > before.Sent+inFlight })
	recording := time.Since(crashed)
	c.sink.set(false, 0)
	st := c.finish(id, n, inFlight, 180*time.Second)
	finished := time.Since(crashed)
	_, _, dup := c.sink.counts()
	t.Logf("HA postgres: primary crashed after %d of %d messages; replica promoted after %s; sends recorded again after %s; campaign finished %s after the crash; %d duplicates (bound %d); stats %+v",
		crashedAt, n, promoted.Round(10*time.Millisecond), recording.Round(10*time.Millisecond), finished.Round(100*time.Millisecond), dup, inFlight, st)
	if finished > 30*time.Second {
		logs := strings.Split(sender.logs.String(), "\n")
		t.Logf("sender log tail:\n%s", strings.Join(logs[max(0, len(logs)-25):], "\n"))
	}
	if crashedAt >= n {
		t.Fatal("the campaign finished before the crash; the test proved nothing")
	}
}
