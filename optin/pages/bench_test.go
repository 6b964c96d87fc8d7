package pages_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/rtoken"
)

// BenchmarkPublicPagesWrk drives the public listener on loopback with wrk
// (a real HTTP load generator, Debian package wrk): the update page GET and
// the RFC 8058 one-click POST, each over 1,000 contacts, with every request
// logged to Postgres through the action log. Each is run at a rated load
// (about 2,500 requests/s offered) and at saturation; it reports requests/s
// and the p50/p99 latency that wrk measured. The target is ≥ 2,000
// requests/s with p99 < 50 ms. The first one-click run unsubscribes every
// contact for real (a transaction with consent records); later requests
// find nothing left to leave. POSTBODE_BENCH_WRK_DURATION sets each run's length (default 5s),
// POSTBODE_BENCH_WRK_CONNS the open connections (default 16).
func BenchmarkPublicPagesWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk not installed: run deploy/dev/services.sh tools (Debian package wrk)")
	}
	dur := "5s"
	if v := os.Getenv("POSTBODE_BENCH_WRK_DURATION"); v != "" {
		dur = v
	}
	conns := "16"
	if v := os.Getenv("POSTBODE_BENCH_WRK_CONNS"); v != "" {
		conns = v
	}
	e := newEnv(b, envOpt{})
	ctx := context.Background()
	l := e.list("news", "single")
	const n = 1000
	if _, err := e.db.Exec(ctx, `INSERT INTO contacts (email, name, attributes, source, updated_source)
		SELECT 'bench' || i || '@example.org', 'Bench ' || i, '{"city":"Utrecht"}', 'api', 'api' FROM generate_series(1, $1) i`, n); err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) SELECT id, $1, 'confirmed' FROM contacts`, l); err != nil {
		b.Fatal(err)
	}
	camp := e.campaign("update", "<p>x</p>", []int64{l})
	var ids []int64
	rows, _ := e.db.Query(ctx, `SELECT id FROM contacts ORDER BY id`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	script := func(name, method, body string, p rtoken.Purpose, delayMS int) string {
		var sb strings.Builder
		sb.WriteString("paths = {\n")
		for _, id := range ids {
			fmt.Fprintf(&sb, "%q,\n", e.mint(p, id, camp))
		}
		sb.WriteString("}\ni = 0\n")
		fmt.Fprintf(&sb, "wrk.method = %q\nwrk.body = %q\n", method, body)
		sb.WriteString(`wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"` + "\n")
		sb.WriteString(`wrk.headers["Accept-Language"] = "nl-NL,nl;q=0.9,en;q=0.8"` + "\n")
		sb.WriteString("request = function()\n  i = i + 1\n  return wrk.format(nil, paths[(i % #paths) + 1])\nend\n")
		if delayMS > 0 {
			// Each connection waits this long between requests: the
			// offered rate is about connections × 1000 / (delay + latency).
			fmt.Fprintf(&sb, "delay = function()\n  return %d\nend\n", delayMS)
		}
		f := filepath.Join(b.TempDir(), name+".lua")
		if err := os.WriteFile(f, []byte(sb.String()), 0o600); err != nil {
			b.Fatal(err)
		}
		return f
	}
	// Rated runs offer about 2,500 requests/s (16 connections, 4 ms apart)
	// and show the latency at the target load; saturation runs offer as
	// much as the machine takes.
	const ratedDelay = 4
	getRated := script("get-rated", "GET", "", rtoken.Update, ratedDelay)
	postRated := script("post-rated", "POST", "List-Unsubscribe=One-Click", rtoken.Unsubscribe, ratedDelay)
	get := script("get", "GET", "", rtoken.Update, 0)
	post := script("post", "POST", "List-Unsubscribe=One-Click", rtoken.Unsubscribe, 0)

	run := func(name, file string) {
		before := e.scalar(`SELECT count(*) FROM recipient_actions`).(int64)
		out, err := exec.Command(wrk, "-t2", "-c"+conns, "-d"+dur, "--latency", "--timeout", "5s", "-s", file, e.url).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		res := parseWrk(b, string(out))
		e.flush()
		logged := e.scalar(`SELECT count(*) FROM recipient_actions`).(int64) - before
		if logged < res.requests {
			b.Fatalf("%s: %d requests but %d actions logged", name, res.requests, logged)
		}
		b.ReportMetric(res.rps, name+"_req/s")
		b.ReportMetric(float64(res.p50.Microseconds())/1000, name+"_p50_ms")
		b.ReportMetric(float64(res.p99.Microseconds())/1000, name+"_p99_ms")
		b.Logf("%s: %.0f req/s, p50 %v, p99 %v, %d requests, %d logged", name, res.rps, res.p50, res.p99, res.requests, logged)
	}
	b.ResetTimer()
	for range b.N {
		run("update_get_rated", getRated)
		run("oneclick_post_rated", postRated)
		run("update_get_max", get)
		run("oneclick_post_max", post)
	}
	b.StopTimer()
	if left := e.scalar(`SELECT count(*) FROM subscriptions WHERE status <> 'unsubscribed'`).(int64); left != 0 {
		b.Fatalf("%d subscriptions left after one-click on every contact", left)
	}
}

type wrkResult struct {
	rps      float64
	requests int64
	p50, p99 time.Duration
}

var (
	wrkRPS   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal = regexp.MustCompile(`(\d+) requests in`)
	wrkPct   = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk's --latency report; any non-2xx answer or socket
// error fails the benchmark.
func parseWrk(b *testing.B, out string) wrkResult {
	b.Helper()
	if strings.Contains(out, "Non-2xx") || strings.Contains(out, "Socket errors") {
		b.Fatalf("wrk saw errors:\n%s", out)
	}
	var r wrkResult
	m := wrkRPS.FindStringSubmatch(out)
	t := wrkTotal.FindStringSubmatch(out)
	if m == nil || t == nil {
		b.Fatalf("cannot read wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	r.requests, _ = strconv.ParseInt(t[1], 10, 64)
	for _, p := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[3]]
		d := time.Duration(v * float64(unit))
		if p[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r
}
