package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/testenv"
)

// devRun runs deploy/dev/run.sh with args and env (POSTBODE_* of the test's
// own environment removed) and returns its output.
func devRun(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"../../deploy/dev/run.sh"}, args...)...)
	cmd.Env = append(envWithout("POSTBODE_"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run.sh %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestDevBanner: the banner of make run shows the addresses in use, moved
// by POSTBODE_*_LISTEN, in every line including the try: line; the public
// base URL follows a moved public port unless it is set itself.
func TestDevBanner(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		want    []string
		notWant []string
	}{
		{"defaults", nil, []string{
			"admin API   http://127.0.0.1:8080/api/v1", "public      http://localhost:8081", "inbound     smtp://127.0.0.1:2525",
			"console     http://127.0.0.1:8080/console/",
			"outbox      .data/outbox", "admin token pb_tok", "export TOKEN=pb_tok; curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/lists",
		}, nil},
		{"moved", []string{"POSTBODE_API_LISTEN=127.0.0.1:9180", "POSTBODE_PUBLIC_LISTEN=:9181", "POSTBODE_INBOUND_LISTEN=0.0.0.0:2626", "POSTBODE_SMTP_CAPTURE_DIR=/tmp/out"}, []string{
			"admin API   http://127.0.0.1:9180/api/v1", "public      http://localhost:9181", "inbound     smtp://127.0.0.1:2626",
			"console     http://127.0.0.1:9180/console/",
			"outbox      /tmp/out", "http://127.0.0.1:9180/api/v1/lists",
		}, []string{"8080", "8081", "2525"}},
		{"base url set", []string{"POSTBODE_PUBLIC_LISTEN=127.0.0.1:9181", "POSTBODE_PUBLIC_BASE_URL=https://pages.example.org"}, []string{
			"public      https://pages.example.org", "http://127.0.0.1:8080/api/v1/lists",
		}, []string{"9181"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := devRun(t, tt.env, "banner", "pb_tok")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("banner lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("banner shows %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestDevStopOnlyItsOwn: make stop signals only the process in its pid
// file, and only when that process runs the checkout's binary (a stale pid
// file whose pid now belongs to another program is left alone). A sleep
// process stands in for the binary.
func TestDevStopOnlyItsOwn(t *testing.T) {
	sleepBin, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	type proc struct {
		*exec.Cmd
		exited chan struct{}
	}
	start := func() proc {
		p := proc{exec.Command(sleepBin, "60"), make(chan struct{})}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.Wait(); close(p.exited) }() // reaped at once: no zombie for kill -0
		t.Cleanup(func() { p.Process.Kill(); <-p.exited })
		return p
	}
	alive := func(p proc) bool {
		select {
		case <-p.exited:
			return false
		case <-time.After(50 * time.Millisecond):
			return true
		}
	}
	ours, other := start(), start()
	pidfile := filepath.Join(t.TempDir(), "postbode.pid")
	stop := func(bin string, pid int) string {
		os.WriteFile(pidfile, []byte(strconv.Itoa(pid)+"\n"), 0o600)
		return devRun(t, []string{"POSTBODE_DEV_PIDFILE=" + pidfile, "BIN=" + bin}, "stop")
	}

	// The pid file names a process of another program: nothing is stopped.
	if out := stop(binPath, other.Process.Pid); !strings.Contains(out, "not running") || !alive(other) {
		t.Errorf("stop with a foreign pid: %s (alive %v)", out, alive(other))
	}
	// The pid file names "our" process: it is stopped, the other is not.
	out := stop(sleepBin, ours.Process.Pid)
	if !strings.Contains(out, "stopped") || alive(ours) || !alive(other) {
		t.Errorf("stop: %s (other alive %v)", out, alive(other))
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
}

// TestLoadConfigDevFallback: without --config or POSTBODE_CONFIG, postbode
// run in a checkout uses the .data/postbode.toml that make run wrote (its
// key file beside it), so ops commands work from a new shell; elsewhere it
// uses defaults and the environment.
func TestLoadConfigDevFallback(t *testing.T) {
	for _, k := range []string{"POSTBODE_SECRETS_KEY", "POSTBODE_SECRETS_KEY_FILE", "POSTBODE_API_LISTEN", "POSTBODE_CONFIG"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".data"), 0o700)
	os.WriteFile(filepath.Join(dir, ".data", "secret.key"), []byte("dev-secret-0123456789abcdef0123456789\n"), 0o600)
	os.WriteFile(filepath.Join(dir, ".data", "postbode.toml"), []byte("[secrets]\nkey_file = \"secret.key\"\n[api]\nlisten = \"127.0.0.1:9999\"\n"), 0o600)
	t.Chdir(dir)
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Listen != "127.0.0.1:9999" || cfg.Secrets.Key != "dev-secret-0123456789abcdef0123456789" {
		t.Errorf("dev config not used: listen %s", cfg.API.Listen)
	}
	t.Chdir(t.TempDir())
	if _, err := loadConfig(""); err == nil || !strings.Contains(err.Error(), "secrets.key") {
		t.Errorf("outside a checkout: %v", err)
	}
}

// TestSweepDropsOnlyThisPrefix: `services.sh sweep` (make test runs it
// before and after the tests) drops the databases named with this
// checkout's prefix, leftovers of a killed run included, and no other (an
// "_" in the prefix is no wildcard).
func TestSweepDropsOnlyThisPrefix(t *testing.T) {
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, testenv.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	tag := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	prefix := "pbt_sw" + tag + "_"
	mine := []string{prefix + "0123abcd", prefix + "tmpl_0123"}
	others := []string{"pbt_sw" + tag + "x0123abcd"}
	for _, db := range append(mine, others...) {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)") })
	}
	cmd := exec.Command("bash", "../../deploy/dev/services.sh", "sweep")
	cmd.Env = append(envWithout("POSTBODE_TEST_"), "POSTBODE_TEST_DB_PREFIX="+prefix, "POSTBODE_TEST_DATABASE_URL="+testenv.DatabaseURL())
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "dropped 2 test database(s)") {
		t.Fatalf("sweep: %v\n%s", err, out)
	}
	for _, db := range append(mine, others...) {
		var exists bool
		admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists)
		if want := !slices.Contains(mine, db); exists != want {
			t.Errorf("database %s exists %v after the sweep, want %v", db, exists, want)
		}
	}
}
