//go:build faults

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// proc is a server process the test started; it is killed when the test ends.
type proc struct {
	cmd  *exec.Cmd
	port string
}

// startProc runs name with args (its output goes to log) and returns it;
// the test's cleanup kills it.
func startProc(t *testing.T, port, log string, name string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: exec.Command(name, args...), port: port}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { p.kill(); f.Close() })
	return p
}

// kill ends the process with SIGKILL: a crash, not a shutdown.
func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

func (p *proc) addr() string { return "127.0.0.1:" + p.port }

func freePort(t *testing.T) string {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	return port
}

func needBinary(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s not installed (deploy/dev/services.sh tools-ha installs it)", n)
		}
	}
}

// startRedisNode starts a redis-server on a free loopback port with AOF on
// and extra arguments.
func startRedisNode(t *testing.T, extra ...string) *proc {
	t.Helper()
	port := freePort(t)
	dir := t.TempDir()
	args := append([]string{"--bind", "127.0.0.1", "--port", port, "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", ""}, extra...)
	p := startProc(t, port, filepath.Join(dir, "log"), "redis-server", args...)
	waitFor(t, 10*time.Second, "redis-server "+port, func() bool {
		c := redis.NewClient(&redis.Options{Addr: p.addr()})
		defer c.Close()
		return c.Ping(context.Background()).Err() == nil
	})
	return p
}

// startSentinel starts a sentinel watching the primary at primary as master.
func startSentinel(t *testing.T, master, primary string) *proc {
	t.Helper()
	port := freePort(t)
	dir := t.TempDir()
	host, pport, _ := net.SplitHostPort(primary)
	conf := filepath.Join(dir, "sentinel.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`bind 127.0.0.1
port %s
dir %s
sentinel monitor %s %s %s 2
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 10000
sentinel parallel-syncs %s 1
`, port, dir, master, host, pport, master, master, master)), 0o600)
	p := startProc(t, port, filepath.Join(dir, "log"), "redis-server", conf, "--sentinel")
	waitFor(t, 10*time.Second, "sentinel "+port, func() bool {
		c := redis.NewSentinelClient(&redis.Options{Addr: p.addr()})
		defer c.Close()
		return c.Ping(context.Background()).Err() == nil
	})
	return p
}

// redisInfo returns one field of INFO replication (or cluster info) of addr.
func redisInfo(addr, section, field string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second})
	defer c.Close()
	var s string
	if section == "cluster" {
		s, _ = c.ClusterInfo(context.Background()).Result()
	} else {
		s, _ = c.Info(context.Background(), section).Result()
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// startPgBouncer starts Debian's pgbouncer in transaction pooling mode on a
// free loopback port in front of the Postgres at host:port, and returns
// the pgbouncer process.
func startPgBouncer(t *testing.T, host, port string) *proc {
	t.Helper()
	needBinary(t, "pgbouncer")
	dir, err := os.MkdirTemp("", "postbode-pgb")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	lport := freePort(t)
	os.WriteFile(filepath.Join(dir, "users.txt"), []byte(`"postgres" ""`+"\n"), 0o644)
	ini := filepath.Join(dir, "pgbouncer.ini")
	os.WriteFile(ini, []byte(fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %s
unix_socket_dir =
auth_type = trust
auth_file = %s/users.txt
pool_mode = transaction
default_pool_size = 8
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
`, host, port, lport, dir)), 0o644)
	args := []string{ini}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", ini}
	}
	p := startProc(t, lport, filepath.Join(dir, "out.log"), "pgbouncer", args...)
	waitFor(t, 10*time.Second, "pgbouncer", func() bool {
		c, err := net.DialTimeout("tcp", p.addr(), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return p
}
