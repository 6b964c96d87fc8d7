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

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// privateRedis is a redis-server of the test's own, with AOF persistence as
// the docs recommend, that the test may kill and restart.
type privateRedis struct {
	t    *testing.T
	dir  string
	port string
	cmd  *exec.Cmd
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	_ = bin
	_, port, _ := net.SplitHostPort(freeAddr(t))
	r := &privateRedis{t: t, dir: t.TempDir(), port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *privateRedis) URL() string { return "redis://127.0.0.1:" + r.port + "/0" }

func (r *privateRedis) start() {
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", r.port, "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	defer c.Close()
	for i := 0; i < 100; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatal("private redis did not start")
}

// restart stops Redis the way an operator's restart does (SHUTDOWN writes the
// AOF) and starts it again on the same port and data.
func (r *privateRedis) restart() {
	r.stop()
	r.start()
}

func (r *privateRedis) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	c.Shutdown(context.Background())
	c.Close()
	r.cmd.Wait()
	r.cmd = nil
}

// privatePostgres is a Postgres cluster of the test's own that it may restart.
type privatePostgres struct {
	t    *testing.T
	bin  string
	dir  string
	port string
	user string
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		t.Skip("postgres server binaries not installed")
	}
	p := &privatePostgres{t: t, bin: filepath.Dir(matches[len(matches)-1]), user: "postgres"}
	_, p.port, _ = net.SplitHostPort(freeAddr(t))
	base, err := os.MkdirTemp("", "postbode-pg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o777)
	p.dir = filepath.Join(base, "data")
	t.Cleanup(func() { p.stop(); os.RemoveAll(base) })
	if out, err := p.run("initdb", "-D", p.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start()
	conn, err := pgx.Connect(context.Background(), p.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE postbode"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *privatePostgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/%s?sslmode=disable", p.port, db)
}

// run runs a Postgres binary, as the postgres user when the test runs as root.
func (p *privatePostgres) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(p.bin, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", p.user, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	return cmd.CombinedOutput()
}

func (p *privatePostgres) start() {
	opts := strings.Join([]string{"-p", p.port, "-k", "/tmp", "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"}, " ")
	if out, err := p.run("pg_ctl", "-D", p.dir, "-l", p.dir+"/../log", "-w", "-o", opts, "start"); err != nil {
		p.t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

func (p *privatePostgres) stop() { p.run("pg_ctl", "-D", p.dir, "-m", "fast", "-w", "stop") }

func (p *privatePostgres) restart() {
	p.stop()
	p.start()
}
