package campaigns

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/cpusched"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

// BenchmarkSendCampaign sends one campaign end to end — expansion, queue,
// render, compose, DKIM (RSA-2048) or none, pipelined SMTP to a fast
// loopback sink, recording — to POSTBODE_BENCH_CONTACTS contacts (default
// 100,000) freshly inserted and not analysed (as right after an import),
// and reports messages/s, daemon and Postgres CPU per 1k messages, SMTP
// connections opened and, with DKIM, CPU per message as a multiple of one
// RSA-2048 signature measured in the same run (and of the `openssl speed
// rsa2048` figure given as POSTBODE_BENCH_OPENSSL_SIGN_US, in µs). It sizes itself: b.N is not
// used. POSTBODE_BENCH_PROFILE=dir writes a CPU profile of each send;
// POSTBODE_BENCH_WORKERS and POSTBODE_BENCH_BATCH override the sender's
// workers and batch size. The process runs under SCHED_BATCH as `postbode
// serve` does with the sender role (sending.batch_scheduling);
// POSTBODE_BENCH_SCHED=normal keeps the policy it was started with.
func BenchmarkSendCampaign(b *testing.B) {
	for _, dkim := range []bool{false, true} {
		name := "nodkim"
		if dkim {
			name = "dkim"
		}
		b.Run(name, func(b *testing.B) { benchSend(b, dkim) })
	}
}

func benchSend(b *testing.B, dkim bool) {
	n := envInt("POSTBODE_BENCH_CONTACTS", 100000)
	ctx := context.Background()
	if os.Getenv("POSTBODE_BENCH_SCHED") != "normal" {
		if _, err := cpusched.Batch(); err != nil {
			b.Fatal(err)
		}
	}
	s, id, reg := benchSetup(b, n, dkim, map[string]int{"workers": envInt("POSTBODE_BENCH_WORKERS", 0),
		"batch": envInt("POSTBODE_BENCH_BATCH", 0)})
	b.Logf("RSA backend %s, %d contacts, %d workers, GOMAXPROCS %d", mta.RSABackend, n, s.opt.Workers, goruntime.GOMAXPROCS(0))
	rt, err := s.runtime(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	st, msgSize := calibrate(b, s, rt)
	var rsaCPU signCPU
	if dkim {
		rsaCPU = rsaSignCPU(b, s.opt.DKIM)
	}

	statements := startStatements(ctx, b, s.db)
	// The benchmark's own statements run on a connection of their own,
	// left out of the Postgres CPU measured.
	mon, err := pgx.ConnectConfig(ctx, s.db.Config().ConnConfig.Copy())
	if err != nil {
		b.Fatal(err)
	}
	defer mon.Close(ctx)
	pg := startPGCPU(ctx, b, mon)
	conns0 := counterValue(reg, "postbode_smtp_connections_total", "ok")
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset the peak RSS (Linux)
	stopProfile := benchProfile(b)
	var ms0, ms1 goruntime.MemStats
	goruntime.ReadMemStats(&ms0)
	cpu0, ru0 := cpuTime(), rusage()
	b.ResetTimer()
	start := time.Now()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.RunScheduler(sctx)
	x := s.NewSender()
	go x.Run(sctx)
	if _, err := s.Start(ctx, id); err != nil {
		b.Fatal(err)
	}
	for {
		// The status alone, on the benchmark's connection.
		var status string
		if err := mon.QueryRow(ctx, `SELECT status FROM campaigns WHERE id = $1`, id).Scan(&status); err != nil {
			b.Fatal(err)
		}
		if status == StateFinished {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu, ru1 := cpuTime()-cpu0, rusage()
	goruntime.ReadMemStats(&ms1)
	stopProfile()
	pgCPU := pg()
	x.Stop()
	conns := counterValue(reg, "postbode_smtp_connections_total", "ok") - conns0
	stats, _ := s.Stats(ctx, id)
	if stats.Sent != int64(n) {
		b.Fatalf("sent %d of %d: %+v", stats.Sent, n, stats)
	}
	var p50, p99 float64
	s.db.QueryRow(ctx, `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - queued_at)),
		percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - queued_at))
		FROM deliveries WHERE campaign_id = $1`, id).Scan(&p50, &p99)
	rate := float64(n) / elapsed.Seconds()
	perMsg := float64(cpu) / float64(time.Microsecond) / float64(n)
	pgPer1k := pgCPU.Seconds() / float64(n) * 1000
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(perMsg, "cpu-µs/msg")
	b.ReportMetric(pgPer1k*1000, "pg-cpu-ms/1k")
	b.ReportMetric(conns, "smtp-conns")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
	mode := "no DKIM"
	if dkim {
		mode = "RSA-2048 DKIM (" + mta.RSABackend + ")"
	}
	fmt.Printf("send campaign, %s: %d messages in %s = %.0f msg/s (load average %s; scheduling policy %s)\n", mode, n,
		elapsed.Round(time.Millisecond), rate, loadAvg(), policyName())
	fmt.Printf("  daemon CPU %.3f s per 1k messages (the sink runs in its own process); Postgres CPU %.3f s per 1k messages (%s); SMTP connections opened %.0f\n",
		perMsg/1000, pgPer1k, pgCPUSource, conns)
	fmt.Printf("  enqueue→accepted p50 %.0f ms, p99 %.0f ms; peak RSS %d MB; %d workers\n", p50*1000, p99*1000, peakRSS()>>20, s.opt.Workers)
	fmt.Printf("  allocated %.1f KB and %.0f objects per message, %d GCs (%.1f%% of CPU in GC)\n",
		float64(ms1.TotalAlloc-ms0.TotalAlloc)/1024/float64(n), float64(ms1.Mallocs-ms0.Mallocs)/float64(n),
		ms1.NumGC-ms0.NumGC, 100*ms1.GCCPUFraction)
	fmt.Printf("  CPU µs per message: user %.0f, system %.0f; context switches per message: %.2f voluntary, %.2f involuntary; page faults %.2f\n",
		float64(time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()))/float64(time.Microsecond)/float64(n),
		float64(time.Duration(ru1.Stime.Nano()-ru0.Stime.Nano()))/float64(time.Microsecond)/float64(n),
		float64(ru1.Nvcsw-ru0.Nvcsw)/float64(n), float64(ru1.Nivcsw-ru0.Nivcsw)/float64(n), float64(ru1.Minflt-ru0.Minflt)/float64(n))
	fmt.Printf("  CPU µs per message by stage, one goroutine: render %.0f, compose %.0f, sign %.0f of which DKIM besides the RSA operation %.1f (message %d bytes)\n",
		st.render, st.compose, st.sign, st.dkim, msgSize)
	statements(n)
	if dkim {
		after := rsaSignCPU(b, s.opt.DKIM)
		sig := min(rsaCPU.min, after.min)
		fmt.Printf("  one RSA-2048 signature %.0f µs CPU (fastest of rounds before and after the send; medians %.0f and %.0f µs); CPU per signed message = %.2f× one signature, %.0f µs besides the signature\n",
			sig, rsaCPU.median, after.median, perMsg/sig, perMsg-sig)
		b.ReportMetric(perMsg/sig, "cpu/rsa-sign")
		if o := opensslSpeedUS(); o > 0 {
			fmt.Printf("  `openssl speed rsa2048` signature %.0f µs (POSTBODE_BENCH_OPENSSL_SIGN_US): CPU per signed message = %.2f× openssl speed\n", o, perMsg/o)
			b.ReportMetric(perMsg/o, "cpu/openssl-sign")
		}
	}
}

// stageCPU is the CPU µs per message of the building stages; dkim is
// signing without the RSA operation (canonicalization, hashing, the
// DKIM-Signature field).
type stageCPU struct{ render, compose, sign, dkim float64 }

// calibrate measures the building stages on this thread's CPU time (so
// other processes on the machine do not inflate it): render alone, then
// render+compose, then render+compose+sign (when the campaign is signed).
func calibrate(b *testing.B, s *Service, rt *runtime) (stageCPU, int) {
	const calib = 500
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	signed := rt.signed
	defer func() { rt.signed = signed }()
	size := 0
	var rbuf templates.Buffer
	var mb msgBuf
	pass := func(sign, renderOnly bool) float64 {
		rt.signed = sign
		t0 := threadCPU()
		for i := 0; i < calib; i++ {
			r := recipient{ID: int64(i + 1), Email: "x@example.net", Name: "Jan"}
			if renderOnly {
				d, opt := s.data(rt, r)
				if _, err := rt.tpl.RenderTo(context.Background(), d, opt, &rbuf); err != nil {
					b.Fatal(err)
				}
				continue
			}
			env, err := s.build(context.Background(), rt, r, "", nil, &mb)
			if err != nil {
				b.Fatal(err)
			}
			size = len(env.Data)
		}
		return float64(threadCPU()-t0) / float64(time.Microsecond) / calib
	}
	render := pass(false, true)
	compose := pass(false, false)
	sign, dkim := compose, compose
	if signed {
		sign = pass(true, false)
		real := s.opt.DKIM
		s.opt.DKIM = noRSADKIM(b)
		dkim = pass(true, false)
		s.opt.DKIM = real
	}
	return stageCPU{render: render, compose: compose - render, sign: sign - compose, dkim: dkim - compose}, size
}

// fixedRSA is an RSA crypto.Signer that returns a fixed signature at once.
type fixedRSA struct{ pub *rsa.PublicKey }

func (f fixedRSA) Public() crypto.PublicKey { return f.pub }
func (f fixedRSA) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return make([]byte, f.pub.Size()), nil
}

// noRSADKIM signs for the bench campaign's From domain like benchSetup's
// signer but leaves the RSA operation out (fixedRSA): calibrate measures
// what DKIM costs besides it.
func noRSADKIM(b testing.TB) DKIM {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	d, err := mta.NewDKIM([]mta.DKIMKey{{Domain: "example.org", Selector: "s1", PrivateKey: fixedRSA{&key.PublicKey}}})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkExpand expands POSTBODE_BENCH_EXPAND recipients (default
// 200,000; set 1000000 for the 1M figure) into the queue and reports the
// time. It sizes itself: b.N is not used.
func BenchmarkExpand(b *testing.B) {
	n := envInt("POSTBODE_BENCH_EXPAND", 200000)
	ctx := context.Background()
	s, id, _ := benchSetup(b, n, false, map[string]int{"queue_ahead": n + 1})
	if _, err := s.Start(ctx, id); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for {
		more, err := s.ExpandBatch(ctx, id, s.opt.ExpandBatch)
		if err != nil {
			b.Fatal(err)
		}
		if !more {
			break
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	xl, _, _ := s.queueLen(ctx, id)
	if xl != int64(n) {
		b.Fatalf("queue has %d entries, want %d", xl, n)
	}
	b.ReportMetric(elapsed.Seconds(), "expand-s")
	fmt.Printf("expand: %d recipients into the queue in %s (%.0f/s)\n", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
}

// benchSetup creates n contacts on a list (spread over 20 domains), a
// campaign with a ~20 KB HTML body and a text part, RSA-2048 DKIM, and a
// service relaying to a fast loopback sink.
func benchSetup(b testing.TB, n int, dkim bool, opts map[string]int) (*Service, int64, *prometheus.Registry) {
	ctx := context.Background()
	db := testenv.DB(b)
	rdb, prefix := testenv.Redis(b)
	t0 := time.Now()
	if opts["no_autovacuum"] == 1 {
		// Plans must be right before any statistics exist.
		if _, err := db.Exec(ctx, `ALTER TABLE contacts SET (autovacuum_enabled = off);
			ALTER TABLE subscriptions SET (autovacuum_enabled = off); ALTER TABLE deliveries SET (autovacuum_enabled = off)`); err != nil {
			b.Fatal(err)
		}
	}
	var list int64
	db.QueryRow(ctx, `INSERT INTO lists (slug, name, purpose, optin) VALUES ('news', 'Nieuws', 'news', 'single') RETURNING id`).Scan(&list)
	if _, err := db.Exec(ctx, `INSERT INTO contacts (email, name, attributes, source, updated_source)
		SELECT 'r' || g || '@d' || (g % 20) || '.example.net', 'Lezer ' || g, jsonb_build_object('city', 'Utrecht'), 'import', 'import'
		FROM generate_series(1, $1) g`, n); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) SELECT id, $1, 'confirmed' FROM contacts`, list); err != nil {
		b.Fatal(err)
	}
	b.Logf("created %d contacts in %s", n, time.Since(t0).Round(time.Millisecond))
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := mta.NewDKIM([]mta.DKIMKey{{Domain: "example.org", Selector: "s1", PrivateKey: key}})
	if err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	signer.WithMetrics(reg)
	var dk DKIM
	if dkim {
		dk = signer
	}
	tr, err := mta.NewRelay(mta.RelayConfig{Host: "127.0.0.1", Port: sinkProcess(b), TLS: "none"}, reg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	workers := opts["workers"]
	s := New(Options{DB: db, Redis: rdb, KeyPrefix: prefix, Reg: reg, Contacts: contacts.NewStore(db, "bench-secret-0123456789abcdef0123456789", 2),
		Style: templates.Style{OrgName: "Stichting Voorbeeld", Address: "Postbus 1, Utrecht"},
		Keys:  rtoken.NewKeys("bench-secret-0123456789abcdef0123456789"), BaseURL: "https://pb.example.org", BounceDomain: "bounce.example.org",
		DKIM: dk, RequireDKIM: dkim, Transport: tr, Tracking: true,
		Limiter: mta.NewLimiter(rdb, prefix, mta.Limits{DomainConcurrency: 10}, reg),
		Workers: workers, BatchSize: opts["batch"], Tick: 100 * time.Millisecond, QueueAhead: opts["queue_ahead"], ExpandBatch: 5000})
	c, err := s.Create(ctx, Input{Name: ptr("Bench"), Subject: ptr("Nieuws voor {{.Contact.Name}}"), HTML: ptr(body20K()),
		FromName: ptr("Stichting Voorbeeld"), FromEmail: ptr("nieuws@example.org"), ListIDs: &[]int64{list}}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return s, c.ID, reg
}

func ptr[T any](v T) *T { return &v }

func body20K() string {
	var sb strings.Builder
	sb.WriteString(`<h1>Beste {{.Contact.Name}}</h1><p>Nieuws uit {{.Contact.Attributes.city}}.</p>`)
	for i := 0; sb.Len() < 12000; i++ {
		fmt.Fprintf(&sb, `<p>Alinea %d: dit is tekst over het werk van de stichting, over projecten en vrijwilligers in het hele land. `+
			`Lees <a href="https://example.org/artikel/%d">meer over dit project</a>.</p>`+"\n", i, i)
	}
	return sb.String()
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func cpuTime() time.Duration {
	ru := rusage()
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rusage is the process's resource usage (CPU time split into user and
// system, context switches).
func rusage() syscall.Rusage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru
}

// threadCPU is the CPU time of the calling OS thread, to the nanosecond
// (CLOCK_THREAD_CPUTIME_ID; getrusage(RUSAGE_THREAD) counts in scheduler
// ticks of 4 ms here, too coarse for rounds of a few signatures).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		var ru syscall.Rusage
		syscall.Getrusage(1, &ru) // RUSAGE_THREAD
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return time.Duration(ts.Nano())
}

// policyName names the scheduling policy of the calling thread.
func policyName() string {
	p, err := cpusched.Policy(0)
	switch {
	case err != nil:
		return "unknown"
	case p == 0:
		return "SCHED_OTHER"
	case p == 3:
		return "SCHED_BATCH"
	}
	return strconv.Itoa(p)
}

// peakRSS reads VmHWM from /proc/self/status (bytes; 0 when unknown).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// fastSink is a minimal pipelining SMTP server: it answers every command
// and swallows DATA, so the numbers are mostly postbode's.
func fastSink(b testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSink(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func serveSink(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriter(c)
	w.WriteString("220 sink ESMTP\r\n")
	w.Flush()
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		switch {
		case bytes.HasPrefix(line, []byte("EHLO")):
			w.WriteString("250-sink\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")
		case bytes.HasPrefix(line, []byte("DATA")):
			w.WriteString("354 go ahead\r\n")
			w.Flush()
			for {
				l, err := r.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					return
				}
				if len(l) == 3 && l[0] == '.' {
					break
				}
			}
			w.WriteString("250 2.0.0 queued\r\n")
		case bytes.HasPrefix(line, []byte("QUIT")):
			w.WriteString("221 bye\r\n")
			w.Flush()
			return
		default:
			w.WriteString("250 2.0.0 ok\r\n")
		}
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
}
