package campaigns

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/db"
)

// pgCPUSource says how the benchmark measures Postgres CPU.
const pgCPUSource = "utime+stime of the database's backends from /proc"

// startPGCPU samples the CPU time (/proc/<pid>/stat utime+stime) of every
// Postgres process serving mon's database — the backends of the pool and
// any autovacuum worker — until the returned func is called, which returns
// the CPU they used since the start. The benchmark's own backends are left
// out: mon's (it polls for the end) and the one this opens to list the
// backends; their statements are the measurement's, not the daemon's. It
// needs Postgres on this machine (as with deploy/dev/services.sh and in
// CI); otherwise it returns 0.
func startPGCPU(ctx context.Context, b *testing.B, mon *pgx.Conn) func() time.Duration {
	lister, err := pgx.ConnectConfig(ctx, mon.Config().Copy())
	if err != nil {
		b.Fatal(err)
	}
	own := []uint32{mon.PgConn().PID(), lister.PgConn().PID()}
	var mu sync.Mutex
	first, last := map[int]int64{}, map[int]int64{}
	kind := map[int]string{} // backend_type: client backend, autovacuum worker
	started := false
	sample := func() {
		rows, err := lister.Query(ctx, `SELECT pid, backend_type FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> ALL ($1)`, own)
		if err != nil {
			return
		}
		defer rows.Close()
		mu.Lock()
		defer mu.Unlock()
		for rows.Next() {
			var pid int
			var typ string
			if rows.Scan(&pid, &typ) != nil {
				return
			}
			kind[pid] = typ
			t, ok := procTicks(pid)
			if !ok {
				continue
			}
			if _, seen := first[pid]; !seen {
				first[pid] = t
				if started {
					first[pid] = 0 // appeared during the run: all its CPU counts
				}
			}
			last[pid] = t
		}
	}
	sample()
	started = true
	if len(first) == 0 {
		b.Logf("Postgres CPU: cannot read /proc/<pid>/stat of the backends; reporting 0")
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() time.Duration {
		close(done)
		wg.Wait()
		sample()
		lister.Close(ctx)
		var ticks, newTicks int64
		var news int
		var each []string
		byKind := map[string]int64{}
		for pid, t := range last {
			ticks += t - first[pid]
			byKind[kind[pid]] += t - first[pid]
			if first[pid] == 0 {
				news++
				newTicks += t
			}
			each = append(each, strconv.FormatInt((t-first[pid])*10, 10))
		}
		slices.Sort(each)
		kinds := make([]string, 0, len(byKind))
		for k, t := range byKind {
			kinds = append(kinds, fmt.Sprintf("%s %d ms", k, t*10))
		}
		slices.Sort(kinds)
		fmt.Printf("  Postgres backends: %d, %d of them started during the send and used %d ms; ms per backend: %s; by type: %s\n",
			len(last), news, newTicks*10, strings.Join(each, " "), strings.Join(kinds, ", "))
		return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
	}
}

// procTicks returns utime+stime of a process in clock ticks.
func procTicks(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command (which may hold spaces) start after ") ".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	s, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// counterValue sums the series of counter name whose label values include value.
func counterValue(reg *prometheus.Registry, name, value string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == value {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

// signCPU is the CPU µs of one RSA-2048 signature of the build's backend,
// measured as DKIM.AppendSignature of a message with a one-field header and
// an empty body (hashing it costs nothing next to the signature), on this
// thread's CPU time (threadCPU, to the nanosecond). min is the fastest of
// several rounds after a warm-up: the signature's own cost, what a quiet
// `openssl speed` reports; median shows how much other load on the machine
// inflated it while measuring. (One mean of 300 signatures timed with
// getrusage(RUSAGE_THREAD), as measured before, read 335 µs where
// BenchmarkRSASign read 271: that clock counts 4 ms ticks, and right after
// the setup other work shares the two cores and their caches — rounds then
// range from 258 to 410 µs.)
type signCPU struct{ min, median float64 }

func rsaSignCPU(b *testing.B, signer DKIM) signCPU {
	msg := []byte("From: a@example.org\r\n\r\n")
	const warm, rounds, per = 20, 15, 40
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	dst := make([]byte, 0, 1024)
	sign := func() {
		if _, err := signer.AppendSignature(dst[:0], msg); err != nil {
			b.Fatal(err)
		}
	}
	for range warm {
		sign()
	}
	us := make([]float64, rounds)
	for r := range us {
		t0 := threadCPU()
		for range per {
			sign()
		}
		us[r] = float64(threadCPU()-t0) / float64(time.Microsecond) / per
	}
	slices.Sort(us)
	return signCPU{min: us[0], median: us[rounds/2]}
}

// opensslSpeedUS is the µs of one `openssl speed rsa2048` signature on
// this machine, from POSTBODE_BENCH_OPENSSL_SIGN_US (0 when unset): the
// figure CPU per signed message is compared with across machines.
func opensslSpeedUS() float64 {
	v, err := strconv.ParseFloat(os.Getenv("POSTBODE_BENCH_OPENSSL_SIGN_US"), 64)
	if err != nil || v <= 0 {
		return 0
	}
	return v
}

// benchProfile writes a CPU profile of the send to
// $POSTBODE_BENCH_PROFILE/<benchmark>.prof when that is set.
func benchProfile(b *testing.B) (stop func()) {
	dir := os.Getenv("POSTBODE_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, strings.ReplaceAll(b.Name(), "/", "_")+".prof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Logf("no CPU profile: %v", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// loadAvg is the 1, 5 and 15 minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// sinkProcess runs the fast sink in a child process (this test binary
// running TestSinkProcess), so the benchmark's process CPU is postbode's
// alone, and returns its port. The child exits when the benchmark ends.
func sinkProcess(b testing.TB) int {
	portFile := filepath.Join(b.TempDir(), "port")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSinkProcess$")
	cmd.Env = append(os.Environ(), "POSTBODE_BENCH_SINK_PORT_FILE="+portFile)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the child exits when its stdin closes
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if p, err := os.ReadFile(portFile); err == nil && len(p) > 0 && p[len(p)-1] == '\n' {
			port, _ := strconv.Atoi(strings.TrimSpace(string(p)))
			return port
		}
	}
	b.Fatal("sink process did not start")
	return 0
}

// TestSinkProcess is the child of sinkProcess; it does nothing in a normal
// test run.
func TestSinkProcess(t *testing.T) {
	portFile := os.Getenv("POSTBODE_BENCH_SINK_PORT_FILE")
	if portFile == "" {
		t.Skip("runs only as the benchmark's sink process")
	}
	port := fastSink(t)
	if err := os.WriteFile(portFile, []byte(strconv.Itoa(port)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
}

// startStatements resets pg_stat_statements when the server loads it
// (shared_preload_libraries; the development server does not) and returns
// a func that prints the statements of db's database by execution time
// per 1k of n messages: where Postgres spends its time. Without the
// extension it does nothing.
func startStatements(ctx context.Context, b *testing.B, db *db.Pool) func(n int) {
	if _, err := db.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return func(int) {}
	}
	if _, err := db.Exec(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
		b.Logf("no statement breakdown: %v", err)
		return func(int) {}
	}
	return func(n int) {
		rows, err := db.Query(ctx, `SELECT calls, total_exec_time, total_plan_time, rows, shared_blks_hit + shared_blks_read,
			shared_blks_dirtied, wal_bytes, regexp_replace(left(query, 110), '\s+', ' ', 'g')
			FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			ORDER BY total_exec_time + total_plan_time DESC LIMIT 15`)
		if err != nil {
			b.Logf("statement breakdown: %v", err)
			return
		}
		defer rows.Close()
		k := float64(n) / 1000
		fmt.Printf("  Postgres statements, per 1k messages: ms executing (planning), calls, rows, buffers, dirtied, WAL kB\n")
		for rows.Next() {
			var calls, nrows, bufs, dirtied int64
			var exec, plan, wal float64
			var q string
			if err := rows.Scan(&calls, &exec, &plan, &nrows, &bufs, &dirtied, &wal, &q); err != nil {
				b.Logf("statement breakdown: %v", err)
				return
			}
			fmt.Printf("  %7.2f (%5.2f) %6.0f %7.0f %8.0f %6.0f %7.0f  %s\n", exec/k, plan/k, float64(calls)/k,
				float64(nrows)/k, float64(bufs)/k, float64(dirtied)/k, wal/1024/k, q)
		}
	}
}
