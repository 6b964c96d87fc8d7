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
	"syscall"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/rtoken"
)

// Sizes of the wrk benchmark: an update mailing to benchRecipients contacts,
// each on benchLists lists with one campaign per list, so a run of
// first-time one-clicks has benchRecipients × benchLists distinct tokens.
const (
	benchRecipients = 10000
	benchLists      = 6
)

// BenchmarkPublicPagesWrk drives the public listener on loopback with wrk
// (a real HTTP load generator, Debian package wrk) at saturation, one run
// per row: the update page GET (c=50), the RFC 8058 one-click POST with a
// token already used (c=200), the first-time one-click — the real
// unsubscribe, a distinct token per request — at c=10, 50 and 200, and the
// subscribe form GET (c=50). Every request is checked against Postgres
// afterwards: each action is in the action log, and each answered
// first-time one-click has its opt-out consent record (none is missing;
// at most the requests still in flight when wrk stopped add more). It
// reports requests/s, p50/p99 as wrk measured them, and CPU time per
// request of this process (the listener) and of its Postgres backends.
// POSTBODE_BENCH_WRK_DURATION sets each run's length (default 5s),
// POSTBODE_BENCH_WRK_ONLY a regular expression of the run names to report
// (default all; the first-time runs are always made).
func BenchmarkPublicPagesWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk not installed: run deploy/dev/services.sh tools (Debian package wrk)")
	}
	dur := "5s"
	if v := os.Getenv("POSTBODE_BENCH_WRK_DURATION"); v != "" {
		dur = v
	}
	only := regexp.MustCompile(os.Getenv("POSTBODE_BENCH_WRK_ONLY"))
	e := newEnv(b, envOpt{})
	w := &wrkBench{e: e, wrk: wrk, dur: dur, only: only, dbName: e.scalar(`SELECT current_database()`).(string)}
	w.setup()
	update := w.script("update", "GET", "", w.tokens(rtoken.Update, 1))
	subscribe := w.script("subscribe", "GET", "", []string{"/s/news1"})
	first := w.tokens(rtoken.Unsubscribe, benchLists)
	b.ResetTimer()
	for range b.N {
		w.run("update_get_c50", update, 50, 0)
		used := w.firstTime("oneclick_first_c10", first, 10)
		w.run("oneclick_used_c200", w.script("used", "POST", oneClickBody, used), 200, 0)
		w.firstTime("oneclick_first_c50", first, 50)
		w.firstTime("oneclick_first_c200", first, 200)
		w.run("subscribe_get_c50", subscribe, 50, 0)
	}
	b.StopTimer()
}

const oneClickBody = "List-Unsubscribe=One-Click"

type wrkBench struct {
	e      *env
	wrk    string
	dur    string
	dbName string
	only   *regexp.Regexp
	camps  []int64
	ids    []int64
}

// setup creates the contacts, lists and one update campaign per list.
func (w *wrkBench) setup() {
	e, ctx := w.e, context.Background()
	if _, err := e.db.Exec(ctx, `INSERT INTO contacts (email, name, attributes, source, updated_source)
		SELECT 'bench' || i || '@example.org', 'Bench ' || i, '{"city":"Utrecht"}', 'api', 'api' FROM generate_series(1, $1) i`, benchRecipients); err != nil {
		e.t.Fatal(err)
	}
	for i := 1; i <= benchLists; i++ {
		l := e.list(fmt.Sprintf("news%d", i), "single")
		if _, err := e.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) SELECT id, $1, 'confirmed' FROM contacts`, l); err != nil {
			e.t.Fatal(err)
		}
		w.camps = append(w.camps, e.campaign("update", "<p>x</p>", []int64{l}))
	}
	rows, _ := e.db.Query(ctx, `SELECT id FROM contacts ORDER BY id`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		w.ids = append(w.ids, id)
	}
	if len(w.ids) != benchRecipients {
		e.t.Fatalf("%d contacts", len(w.ids))
	}
}

// tokens returns a link path per contact for the first n campaigns, every
// contact of the first campaign before the second.
func (w *wrkBench) tokens(p rtoken.Purpose, n int) []string {
	var out []string
	for _, camp := range w.camps[:n] {
		for _, id := range w.ids {
			out = append(out, w.e.mint(p, id, camp))
		}
	}
	return out
}

// script writes a wrk script that requests paths in order, wrapping around.
func (w *wrkBench) script(name, method, body string, paths []string) string {
	var sb strings.Builder
	sb.WriteString("paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&sb, "%q,\n", p)
	}
	sb.WriteString("}\ni = 0\n")
	fmt.Fprintf(&sb, "wrk.method = %q\nwrk.body = %q\n", method, body)
	sb.WriteString(`wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"` + "\n")
	sb.WriteString(`wrk.headers["Accept-Language"] = "nl-NL,nl;q=0.9,en;q=0.8"` + "\n")
	sb.WriteString("request = function()\n  i = i + 1\n  return wrk.format(nil, paths[((i - 1) % #paths) + 1])\nend\n")
	f := filepath.Join(w.e.t.(*testing.B).TempDir(), name+".lua")
	if err := os.WriteFile(f, []byte(sb.String()), 0o600); err != nil {
		w.e.t.Fatal(err)
	}
	return f
}

// firstTime resubscribes everyone (so every token is unused), runs the
// first-time one-click at c connections with one thread (wrk then sends
// the paths in order, each once), and checks that every answered request
// has its opt-out consent record. It returns the paths that were used.
func (w *wrkBench) firstTime(name string, paths []string, c int) []string {
	e, ctx := w.e, context.Background()
	for _, q := range []string{`UPDATE subscriptions SET status = 'confirmed' WHERE status <> 'confirmed'`,
		`UPDATE contacts SET one_star_since = NULL WHERE one_star_since IS NOT NULL`, `VACUUM ANALYZE`} {
		if _, err := e.db.Exec(ctx, q); err != nil {
			e.t.Fatal(err)
		}
	}
	before := e.scalar(`SELECT count(*) FROM consent_records WHERE action = 'opt-out'`).(int64)
	n := w.run(name, w.script(name, "POST", oneClickBody, paths), c, 1)
	if n > int64(len(paths)) {
		e.t.Fatalf("%s: %d requests but only %d distinct tokens: shorten POSTBODE_BENCH_WRK_DURATION", name, n, len(paths))
	}
	recs := e.scalar(`SELECT count(*) FROM consent_records WHERE action = 'opt-out'`).(int64) - before
	if recs < n || recs > n+int64(c) {
		e.t.Fatalf("%s: %d answered first-time one-clicks but %d opt-out consent records", name, n, recs)
	}
	w.e.t.(*testing.B).Logf("%s: %d answered, %d opt-out consent records (requests in flight at the end may add up to %d)", name, n, recs, c)
	return paths[:n]
}

// run runs wrk at c connections (threads 0: two) and reports its numbers;
// it returns the number of answered requests.
func (w *wrkBench) run(name, file string, c, threads int) int64 {
	e := w.e
	b := e.t.(*testing.B)
	if !w.only.MatchString(name) && !strings.Contains(name, "first") {
		return 0
	}
	if threads == 0 {
		threads = 2
	}
	before := e.scalar(`SELECT count(*) FROM recipient_actions`).(int64)
	load, _ := os.ReadFile("/proc/loadavg")
	cpu0, pg0 := selfCPU(), w.postgresCPU()
	out, err := exec.Command(w.wrk, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(c), "-d"+w.dur, "--latency", "--timeout", "5s", "-s", file, e.url).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	cpu, pg := selfCPU()-cpu0, w.postgresCPU()-pg0
	res := parseWrk(b, string(out))
	e.flush()
	if !strings.Contains(name, "subscribe") {
		if logged := e.scalar(`SELECT count(*) FROM recipient_actions`).(int64) - before; logged < res.requests {
			b.Fatalf("%s: %d requests but %d actions logged", name, res.requests, logged)
		}
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(res.requests) }
	b.ReportMetric(res.rps, name+"_req/s")
	b.ReportMetric(float64(res.p99.Microseconds())/1000, name+"_p99_ms")
	b.ReportMetric(per(cpu), name+"_cpu_ms/req")
	b.ReportMetric(per(pg), name+"_pgcpu_ms/req")
	b.Logf("%s: %.0f req/s, p50 %v, p99 %v, %d requests; CPU/request %.3f ms listener + %.3f ms Postgres; load average %s",
		name, res.rps, res.p50, res.p99, res.requests, per(cpu), per(pg), strings.Join(strings.Fields(string(load))[:3], " "))
	return res.requests
}

// selfCPU is this process's user + system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU sums the CPU time of the Postgres backends serving this
// benchmark's database (found by their process title).
func (w *wrkBench) postgresCPU() time.Duration {
	var ticks int64
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(d + "/cmdline")
		if err != nil || !strings.HasPrefix(string(cmd), "postgres:") || !strings.Contains(string(cmd), " "+w.dbName+" ") {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ = 100
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
