package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/testenv"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "postbode-e2e")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "postbode")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building postbode: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
//
// The port is chosen below Linux's default ephemeral range (32768–60999):
// the daemon binds it only later, and a port from that range may meanwhile
// become the local end of some outgoing connection (to Postgres, Redis, a
// relay) on a busy machine, which failed runs with "address already in use".
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 200 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err != nil {
			continue
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	t.Fatal("no free port in 20000–31999")
	return ""
}

// daemon is a running `postbode serve`.
type daemon struct {
	cmd   *exec.Cmd
	admin string // the admin listener, or the metrics listener of a node without the api role
	env   []string
	logs  *testenv.SyncBuffer
}

// startDaemon runs the binary with the given roles on its own database and key prefix.
func startDaemon(t *testing.T, roles string, extraEnv ...string) *daemon {
	t.Helper()
	_, dbURL := testenv.DBWithURL(t)
	_, prefix := testenv.Redis(t)
	env := append(envWithout("POSTBODE_SECRETS_KEY"),
		"POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_REDIS_URL="+testenv.RedisURL(), "POSTBODE_REDIS_KEY_PREFIX="+prefix,
		"POSTBODE_SECRETS_KEY=e2e-secret-0123456789abcdef0123456789", "POSTBODE_SMTP_CAPTURE_DIR="+t.TempDir(),
		"POSTBODE_LOG_FORMAT=json")
	return startNode(t, roles, append(env, extraEnv...))
}

// startNode runs `postbode serve --roles roles` with env (which names the
// database, Redis and key prefix; several nodes may share them) on listener
// ports of its own, and waits until its admin listener answers.
func startNode(t *testing.T, roles string, env []string) *daemon {
	t.Helper()
	d := &daemon{logs: &testenv.SyncBuffer{}}
	d.env = append([]string(nil), env...)
	// Listeners the caller did not place get free loopback ports. A node
	// without the api role answers health and metrics on metrics.listen.
	health := "POSTBODE_API_LISTEN"
	if !strings.Contains(","+roles+",", ",api,") {
		health = "POSTBODE_METRICS_LISTEN"
	}
	for _, key := range []string{"POSTBODE_API_LISTEN", "POSTBODE_PUBLIC_LISTEN", "POSTBODE_INBOUND_LISTEN", "POSTBODE_METRICS_LISTEN"} {
		addr := envValue(d.env, key)
		if addr == "" {
			addr = freeAddr(t)
			d.env = append(d.env, key+"="+addr)
		}
		if key == health {
			d.admin = addr
		}
	}
	d.cmd = exec.Command(binPath, "serve", "--roles", roles)
	d.cmd.Env = d.env
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			d.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("daemon (%s) logs:\n%s", roles, d.logs)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + d.admin + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

// cli runs a postbode subcommand with the daemon's environment.
func (d *daemon) cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = d.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("postbode %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (d *daemon) request(t *testing.T, token, method, path, body string) (int, string) {
	t.Helper()
	code, out, err := d.try(token, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, out
}

// try is request without failing the test on a transport error.
func (d *daemon) try(token, method, path, body string) (int, string, error) {
	req, _ := http.NewRequest(method, "http://"+d.admin+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestServeEndToEnd(t *testing.T) {
	d := startDaemon(t, "api")
	token := d.cli(t, "token", "create", "--role", "admin", "--name", "e2e")
	if !strings.HasPrefix(token, "pb_") {
		t.Fatalf("token create printed %q", token)
	}
	if code, body := d.request(t, "", "GET", "/readyz", ""); code != 200 || !strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code, _ := d.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != 201 {
		t.Fatalf("create list: %d", code)
	}
	code, body := d.request(t, token, "POST", "/api/v1/contacts",
		`{"email":"e2e@example.org","name":"E2E","lists":["news"],"consent":{"source":"api","purpose":"news"}}`)
	if code != 201 {
		t.Fatalf("create contact: %d %s", code, body)
	}
	code, body = d.request(t, token, "POST", "/api/v1/imports?source=import&purpose=news&lists=news&format=csv", "email,name\nx1@example.org,X1\nbroken\n")
	if code != 202 {
		t.Fatalf("import: %d %s", code, body)
	}
	var job struct {
		ID     int64
		Status string
		Failed int
	}
	json.Unmarshal([]byte(body), &job)
	for i := 0; i < 100 && job.Status != "done"; i++ {
		time.Sleep(50 * time.Millisecond)
		_, body = d.request(t, token, "GET", fmt.Sprintf("/api/v1/jobs/%d", job.ID), "")
		json.Unmarshal([]byte(body), &job)
	}
	if job.Status != "done" || job.Failed != 1 {
		t.Errorf("import job: %s", body)
	}
	_, metrics := d.request(t, "", "GET", "/metrics", "")
	for _, want := range []string{"postbode_build_info{", "postbode_pg_pool_acquires_total ", "postbode_redis_pool_connections{state=\"total\"}", `postbode_http_requests_total{code="201",route="POST /api/v1/lists"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Without people.admin_url the daemon says to set it.
	if !strings.Contains(d.logs.String(), "people.admin_url is not set") {
		t.Errorf("no warning that people.admin_url is not set")
	}
	// Info logs never carry a full address.
	if strings.Contains(d.logs.String(), "e2e@example.org") {
		t.Errorf("a full address reached the logs")
	}
	// SIGTERM: a clean, prompt stop.
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("did not stop within 25s of SIGTERM")
	}
	if !strings.Contains(d.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the logs")
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "serve", "--roles", "api")
	cmd.Env = append(envWithout("POSTBODE_SECRETS_KEY"), "POSTBODE_SECRETS_KEY=short", "POSTBODE_API_LISTEN=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "secrets.key") {
		t.Fatalf("serve with a short key: err %v, output %s", err, out)
	}
	f := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(f, []byte("[api]\nlisten = \"nope\"\n"), 0o600)
	cmd = exec.CommandContext(ctx, binPath, "config", "check", "--config", f)
	cmd.Env = append(envWithout("POSTBODE_SECRETS_KEY"), "POSTBODE_SECRETS_KEY=q7Vx2mP9sLr4TzW8nBc3HjY6dFa1GeUk")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "api.listen") {
		t.Fatalf("config check: err %v, output %s", err, out)
	}
	// A DKIM key_file that holds no key fails the check, as it fails the start.
	notKey := filepath.Join(t.TempDir(), "not-a-key.pem")
	os.WriteFile(notKey, []byte("q7Vx2mP9sLr4TzW8nBc3HjY6dFa1GeUk"), 0o600)
	os.WriteFile(f, []byte("[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s\"\nkey_file = \""+notKey+"\"\n"), 0o600)
	cmd = exec.CommandContext(ctx, binPath, "config", "check", "--config", f)
	cmd.Env = append(envWithout("POSTBODE_SECRETS_KEY"), "POSTBODE_SECRETS_KEY=q7Vx2mP9sLr4TzW8nBc3HjY6dFa1GeUk")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "dkim.keys[0].key_file") || strings.Contains(string(out), "config ok") {
		t.Fatalf("config check of a DKIM key_file without a key: err %v, output %s", err, out)
	}
	cmd = exec.CommandContext(ctx, binPath, "serve", "--config", f, "--roles", "api")
	cmd.Env = append(envWithout("POSTBODE_SECRETS_KEY"), "POSTBODE_SECRETS_KEY=q7Vx2mP9sLr4TzW8nBc3HjY6dFa1GeUk", "POSTBODE_API_LISTEN=127.0.0.1:0")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "dkim.keys[0].key_file") || strings.Contains(string(out), "postbode started") {
		t.Fatalf("serve with a DKIM key_file without a key: err %v, output %s", err, out)
	}
}

// TestListenErrorNamesTheKey: a listen address another program holds is
// refused with the config key and its environment variable, so it can be
// moved without reading the source.
func TestListenErrorNamesTheKey(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	ln, err := listenTCP("public.listen", held.Addr().String())
	if err == nil {
		ln.Close()
		t.Fatal("a held address was bound")
	}
	for _, want := range []string{"public.listen", "POSTBODE_PUBLIC_LISTEN", held.Addr().String(), "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// envWithout is the environment less every variable whose name starts with
// prefix: "POSTBODE_" leaves none of postbode's, "POSTBODE_SECRETS_KEY" drops
// the key and its _FILE form. A POSTBODE_*_FILE inherited from the shell
// (.data/env exports POSTBODE_SECRETS_KEY_FILE) would otherwise configure
// the daemon behind the test's back.
func envWithout(prefix string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, prefix) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// envValue returns the value of key in env (the last one, as exec uses),
// or "".
func envValue(env []string, key string) string {
	val := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			val = v
		}
	}
	return val
}

// metric returns the sum of the series of name (with a label filter
// substring, e.g. `result="sent"`) on d's /metrics.
func metric(t *testing.T, d *daemon, name, filter string) float64 {
	t.Helper()
	_, body := d.request(t, "", "GET", "/metrics", "")
	re := regexp.MustCompile(`(?m)^` + name + `(\{[^}]*\})? ([0-9.e+-]+)$`)
	var sum float64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if filter == "" || strings.Contains(m[1], filter) {
			v, _ := strconv.ParseFloat(m[2], 64)
			sum += v
		}
	}
	return sum
}
