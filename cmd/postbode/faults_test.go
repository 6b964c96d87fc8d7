//go:build faults

package main

// Fault and scale-out tests (make test-faults): each runs real postbode
// processes against Postgres, Redis and a loopback relay, injects one fault
// mid-campaign, and checks that every recipient got the message, that
// duplicates stay within the messages in flight, that the campaign finishes
// and that the metrics show what happened.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
)

const (
	faultWorkers = 4
	faultBatch   = 50
	// inFlight bounds the messages one sender node may have taken but not
	// recorded: what a fault may send twice.
	inFlight = faultWorkers * faultBatch
)

// cluster is a set of postbode nodes sharing one database, Redis and key
// prefix, sending through one loopback relay.
type cluster struct {
	t     *testing.T
	env   []string
	sink  *sink
	api   *daemon
	token string
	// domains spreads the recipients over d0…d<domains-1>.example.org
	// (their throttle keys over Redis Cluster slots); 0: all example.org.
	domains int
}

// newCluster prepares the shared environment; dbURL and redisURL default to
// a fresh test database and the test Redis.
func newCluster(t *testing.T, dbURL, redisURL string, extra ...string) *cluster {
	t.Helper()
	if dbURL == "" {
		_, dbURL = testenv.DBWithURL(t)
	}
	prefix := "pbf:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	if redisURL == "" {
		redisURL = testenv.RedisURL()
		_, prefix = testenv.Redis(t)
	}
	s := newSink(t)
	host, port, _ := net.SplitHostPort(s.addr)
	env := append(envWithout("POSTBODE_"),
		"POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_REDIS_URL="+redisURL, "POSTBODE_REDIS_KEY_PREFIX="+prefix,
		"POSTBODE_SECRETS_KEY=faults-secret-0123456789abcdef0123456789", "POSTBODE_LOG_FORMAT=json",
		"POSTBODE_SMTP_MODE=relay", "POSTBODE_SMTP_RELAY_HOST="+host, "POSTBODE_SMTP_RELAY_PORT="+port,
		"POSTBODE_SMTP_RELAY_TLS=none", "POSTBODE_SENDING_BOUNCE_DOMAIN=bounce.example.org",
		"POSTBODE_PUBLIC_BASE_URL=https://pb.example.org",
		"POSTBODE_SENDING_WORKERS="+strconv.Itoa(faultWorkers), "POSTBODE_SENDING_BATCH_SIZE="+strconv.Itoa(faultBatch),
		"POSTBODE_SENDING_RETRY_BASE=1s", "POSTBODE_SENDING_CLAIM_IDLE=3s", "POSTBODE_SENDING_DOMAIN_CONCURRENCY=50")
	return &cluster{t: t, env: append(env, extra...), sink: s}
}

// node starts one process of the cluster; the first one with the api role
// serves the test's API calls.
func (c *cluster) node(roles string) *daemon {
	c.t.Helper()
	d := startNode(c.t, roles, c.env)
	if c.api == nil && strings.Contains(roles, "api") {
		c.api = d
		c.token = d.cli(c.t, "token", "create", "--role", "admin", "--name", "faults")
	}
	return d
}

// call is an API request that tolerates a moment of unavailability (a
// restarting Postgres): it retries for up to 30 s on errors and 5xx.
func (c *cluster) call(method, path, body string, want int) string {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out, err := c.api.try(c.token, method, path, body)
		if err == nil && code == want {
			return out
		}
		if (err == nil && code < 500) || time.Now().After(deadline) {
			c.t.Fatalf("%s %s: %d %s %v", method, path, code, out, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// campaign imports n confirmed contacts, creates a campaign to them and
// starts it.
func (c *cluster) campaign(n int) int64 {
	c.t.Helper()
	c.call("POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`, 201)
	var job struct {
		ID      int64
		Status  string
		Applied int
	}
	body := contactsCSV("r", n)
	if c.domains > 0 {
		body = spreadCSV(n, c.domains)
	}
	json.Unmarshal([]byte(c.call("POST", "/api/v1/imports?format=csv&source=import&purpose=news&lists=news&confirmed=true", body, 202)), &job)
	for job.Status != "done" {
		time.Sleep(100 * time.Millisecond)
		json.Unmarshal([]byte(c.call("GET", fmt.Sprintf("/api/v1/jobs/%d", job.ID), "", 200)), &job)
		if job.Status == "failed" {
			c.t.Fatalf("import failed")
		}
	}
	if job.Applied != n {
		c.t.Fatalf("imported %d contacts, want %d", job.Applied, n)
	}
	var camp struct{ ID int64 }
	json.Unmarshal([]byte(c.call("POST", "/api/v1/campaigns", `{"name":"Faults","subject":"Hello {{.Contact.Name}}",
		"html":"<p>Hi {{.Contact.Name}}</p>","from_name":"News","from_email":"news@example.org","lists":["news"]}`, 201)), &camp)
	c.call("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", camp.ID), "", 200)
	return camp.ID
}

// contactsCSV is an import file of n contacts: <prefix><i>@example.org.
func contactsCSV(prefix string, n int) string {
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := range n {
		fmt.Fprintf(&csv, "%s%d@example.org,%s%d\n", prefix, i, strings.ToUpper(prefix), i)
	}
	return csv.String()
}

type faultStats struct {
	Status                                string
	Total, Sent, Failed, Bounced, Retries int
}

// waitSink waits until the relay has accepted at least n messages.
func (c *cluster) waitSink(n int, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if total, _, _ := c.sink.counts(); total >= n {
			return
		}
		if time.Now().After(deadline) {
			total, _, _ := c.sink.counts()
			c.t.Fatalf("relay accepted %d messages, waited for %d", total, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// finish waits for the campaign to finish and checks that each of the n
// recipients got the message, with at most maxDup duplicates.
func (c *cluster) finish(id int64, n, maxDup int, timeout time.Duration) faultStats {
	c.t.Helper()
	var st faultStats
	deadline := time.Now().Add(timeout)
	for st.Status != "finished" {
		if time.Now().After(deadline) {
			total, distinct, dup := c.sink.counts()
			c.t.Fatalf("campaign not finished after %s: %+v; relay: %d messages, %d recipients, %d duplicates", timeout, st, total, distinct, dup)
		}
		time.Sleep(200 * time.Millisecond)
		json.Unmarshal([]byte(c.call("GET", fmt.Sprintf("/api/v1/campaigns/%d/stats", id), "", 200)), &st)
	}
	total, distinct, dup := c.sink.counts()
	c.t.Logf("finished: %+v; relay: %d messages to %d recipients, %d duplicates (bound %d)", st, total, distinct, dup, maxDup)
	if distinct != n || st.Sent != n || st.Total != n {
		c.t.Errorf("relay reached %d recipients, stats say sent %d of %d; want %d", distinct, st.Sent, st.Total, n)
	}
	if dup > maxDup {
		c.t.Errorf("%d duplicates, more than the %d messages in flight", dup, maxDup)
	}
	return st
}

// TestFaultKillSender: a sender node killed with SIGKILL mid-campaign loses
// nothing; another node takes over its unacknowledged messages.
func TestFaultKillSender(t *testing.T) {
	const n = 4000
	c := newCluster(t, "", "")
	c.node("api,scheduler")
	victim := c.node("sender")
	c.sink.set(false, 2*time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/5, 60*time.Second)
	victim.cmd.Process.Kill()
	victim.cmd.Wait()
	killedAt, _, _ := c.sink.counts()
	heir := c.node("sender")
	c.sink.set(false, 0)
	c.finish(id, n, inFlight, 90*time.Second)
	t.Logf("killed after %d messages; the new node reclaimed %.0f entries", killedAt, metric(t, heir, "postbode_queue_reclaimed_total", ""))
	if killedAt >= n {
		t.Fatal("the campaign finished before the kill; the test proved nothing")
	}
}

// TestFaultRedisRestart: Redis (AOF, appendfsync everysec as the README
// recommends) restarts mid-campaign; the campaign finishes.
func TestFaultRedisRestart(t *testing.T) {
	const n = 4000
	r := startPrivateRedis(t)
	c := newCluster(t, "", r.URL())
	d := c.node("api,scheduler,sender")
	c.sink.set(false, time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/5, 60*time.Second)
	r.restart()
	at, _, _ := c.sink.counts()
	c.sink.set(false, 0)
	c.finish(id, n, inFlight, 120*time.Second)
	t.Logf("Redis restarted after %d messages; sent=%.0f", at, metric(t, d, "postbode_messages_total", `result="sent"`))
}

// TestFaultPostgresRestart: Postgres restarts mid-campaign; the campaign
// finishes without losing or repeating more than the messages in flight.
func TestFaultPostgresRestart(t *testing.T) {
	const n = 4000
	p := startPrivatePostgres(t)
	c := newCluster(t, p.url("postbode"), "")
	c.node("api,scheduler,sender")
	c.sink.set(false, time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/5, 60*time.Second)
	p.restart()
	at, _, _ := c.sink.counts()
	c.sink.set(false, 0)
	c.finish(id, n, inFlight, 120*time.Second)
	t.Logf("Postgres restarted after %d messages", at)
}

// TestFaultRelayDownUp: the relay goes away for a few seconds; messages are
// deferred and retried, none lost.
func TestFaultRelayDownUp(t *testing.T) {
	const n = 3000
	c := newCluster(t, "", "")
	d := c.node("api,scheduler,sender")
	c.sink.set(false, time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/5, 60*time.Second)
	c.sink.stop()
	time.Sleep(3 * time.Second)
	c.sink.restart()
	c.sink.set(false, 0)
	c.finish(id, n, inFlight, 120*time.Second)
	if r := metric(t, d, "postbode_retries_total", ""); r == 0 {
		t.Error("postbode_retries_total did not move while the relay was down")
	}
	if v := metric(t, d, "postbode_messages_total", `result="deferred"`); v == 0 {
		t.Error(`postbode_messages_total{result="deferred"} did not move while the relay was down`)
	}
}

// TestFaultRelayTempFail: the relay answers 451 for a while; the messages
// are retried with backoff and all arrive, none twice (a 4xx accepts nothing).
func TestFaultRelayTempFail(t *testing.T) {
	const n = 3000
	c := newCluster(t, "", "")
	d := c.node("api,scheduler,sender")
	c.sink.set(false, time.Millisecond)
	id := c.campaign(n)
	c.waitSink(n/5, 60*time.Second)
	c.sink.set(true, 0)
	time.Sleep(3 * time.Second)
	c.sink.set(false, 0)
	st := c.finish(id, n, 0, 120*time.Second)
	if st.Retries == 0 || metric(t, d, "postbode_retries_total", "") == 0 {
		t.Errorf("no retries recorded while the relay answered 451 (stats retries %d)", st.Retries)
	}
}

// TestFaultSlowRelay: a relay that takes 100 ms per message; everything
// arrives once and the campaign finishes.
func TestFaultSlowRelay(t *testing.T) {
	const n = 400
	c := newCluster(t, "", "")
	c.node("api,scheduler,sender")
	c.sink.set(false, 100*time.Millisecond)
	id := c.campaign(n)
	c.finish(id, n, 0, 120*time.Second)
}

// TestScaleTwoSenderNodes: the same campaign through one sender node and
// then through two (the relay takes 5 ms per message, so a node's workers,
// not the CPU, are the limit): no duplicates, and the second run is faster.
func TestScaleTwoSenderNodes(t *testing.T) {
	const n = 3000
	rate := func(senders int) float64 {
		c := newCluster(t, "", "")
		c.node("api,scheduler")
		nodes := make([]*daemon, senders)
		for i := range nodes {
			nodes[i] = c.node("sender")
		}
		c.sink.set(false, 5*time.Millisecond)
		id := c.campaign(n)
		start := time.Now()
		c.finish(id, n, 0, 180*time.Second)
		r := float64(n) / time.Since(start).Seconds()
		for i, d := range nodes {
			t.Logf("%d sender node(s): node %d sent %.0f", senders, i, metric(t, d, "postbode_messages_total", `result="sent"`))
		}
		return r
	}
	one, two := rate(1), rate(2)
	t.Logf("throughput: one sender node %.0f msg/s, two sender nodes %.0f msg/s", one, two)
	if two < one*1.3 {
		t.Errorf("two sender nodes (%.0f msg/s) are not clearly faster than one (%.0f msg/s)", two, one)
	}
}

// TestFaultBounceStoreFull: the durable store of the inbound listener fails
// like a full disk (Postgres SQLSTATE 53100) for a while. Every DSN is
// refused with a 4xx meanwhile — never accepted and lost — and once the
// store works again the sending MTAs' retries are accepted and applied.
func TestFaultBounceStoreFull(t *testing.T) {
	const n = 20
	_, dbURL := testenv.DBWithURL(t)
	c := newCluster(t, dbURL, "", "POSTBODE_INBOUND_DOMAINS=bounces.example.org")
	d := c.node("api,inbound")
	c.call("POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`, 201)
	ids := make([]int64, n)
	for i := range ids {
		var ct struct{ ID int64 }
		json.Unmarshal([]byte(c.call("POST", "/api/v1/contacts", fmt.Sprintf(`{"email":"b%d@example.org","lists":["news"],
			"consent":{"source":"api","purpose":"news"}}`, i), 201)), &ct)
		ids[i] = ct.ID
	}
	db, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	exec := func(sql string) {
		if _, err := db.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`)
	exec(`CREATE TRIGGER disk_full BEFORE INSERT ON inbound_messages FOR EACH ROW EXECUTE FUNCTION disk_full()`)

	smtpAddr := envValue(d.env, "POSTBODE_INBOUND_LISTEN")
	keys := rtoken.NewKeys(envValue(d.env, "POSTBODE_SECRETS_KEY"))
	send := func(i int) error {
		cl, err := smtp.Dial(smtpAddr)
		if err != nil {
			return err
		}
		defer cl.Close()
		verp := keys.Address(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: ids[i]}, "bounces.example.org")
		dsn := fmt.Sprintf("From: MAILER-DAEMON@mx.example.org\r\nTo: postmaster@bounces.example.org\r\nSubject: failure\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"+
			"--b\r\nContent-Type: text/plain\r\n\r\nGone.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"+
			"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; b%d@example.org\r\nAction: failed\r\n"+
			"Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n--b--\r\n", i)
		return cl.SendMail("", []string{verp}, strings.NewReader(dsn))
	}
	for i := range n {
		err := send(i)
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code/100 != 4 {
			t.Fatalf("DSN %d while the store is full: %v, want a 4xx", i, err)
		}
	}
	exec(`DROP TRIGGER disk_full ON inbound_messages`)
	for i := range n { // the sending MTAs retry
		if err := send(i); err != nil {
			t.Fatalf("DSN %d after the store recovered: %v", i, err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range ids {
		for !strings.Contains(c.call("GET", fmt.Sprintf("/api/v1/contacts/%d", id), "", 200), `"hard_bounces":1`) {
			if time.Now().After(deadline) {
				t.Fatalf("contact %d: its DSN was not applied; inbound messages by status and outcome: %s", id, inboundOutcomes(t, db))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	refused, accepted := metric(t, d, "postbode_inbound_messages_total", `result="store_error"`), metric(t, d, "postbode_inbound_messages_total", `result="accepted"`)
	t.Logf("inbound: %.0f refused with 4xx while the store was full, %.0f accepted after, all applied", refused, accepted)
	if refused != n || accepted != n {
		t.Errorf(`postbode_inbound_messages_total: store_error %.0f, accepted %.0f; want %d each`, refused, accepted, n)
	}
}

// inboundOutcomes counts the stored inbound messages by status and outcome
// ("ignored forged: 20" says the daemon did not verify the VERP addresses).
func inboundOutcomes(t *testing.T, db *pgx.Conn) string {
	rows, err := db.Query(t.Context(), `SELECT status || ' ' || coalesce(outcome, '') || ': ' || count(*)
		FROM inbound_messages GROUP BY status, outcome ORDER BY 1`)
	if err != nil {
		return err.Error()
	}
	counts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err.Error()
	}
	return strings.Join(counts, ", ")
}

// TestScaleLargeCampaign (make scale; POSTBODE_SCALE_RECIPIENTS, default
// 1,000,000, and POSTBODE_SCALE_SENDERS sender nodes, default 1) sends one
// campaign to that many recipients through a fast loopback relay and
// reports throughput and each node's peak RSS. Skipped unless the variable
// is set: it takes minutes.
func TestScaleLargeCampaign(t *testing.T) {
	nStr := os.Getenv("POSTBODE_SCALE_RECIPIENTS")
	if nStr == "" {
		t.Skip("set POSTBODE_SCALE_RECIPIENTS (make scale)")
	}
	n, _ := strconv.Atoi(nStr)
	senders := 1
	if v := os.Getenv("POSTBODE_SCALE_SENDERS"); v != "" {
		senders, _ = strconv.Atoi(v)
	}
	c := newCluster(t, "", "", "POSTBODE_SENDING_WORKERS=16", "POSTBODE_SENDING_BATCH_SIZE=100",
		"POSTBODE_SENDING_CLAIM_IDLE=2m", "POSTBODE_LOG_LEVEL=warn")
	ctl := c.node("api,scheduler")
	nodes := make([]*daemon, senders)
	for i := range nodes {
		nodes[i] = c.node("sender")
	}
	importStart := time.Now()
	id := c.campaign(n)
	start := time.Now()
	t.Logf("%d contacts imported and the campaign started in %s", n, start.Sub(importStart).Round(time.Millisecond))
	st := c.finish(id, n, 0, 60*time.Minute)
	el := time.Since(start)
	t.Logf("%d recipients, %d sender node(s): %s, %.0f msg/s end to end (sent %d)", n, senders, el.Round(time.Second), float64(n)/el.Seconds(), st.Sent)
	t.Logf("peak RSS: control node %.0f MiB", peakRSSMiB(t, ctl.cmd.Process.Pid))
	for i, d := range nodes {
		t.Logf("peak RSS: sender node %d %.0f MiB (sent %.0f)", i, peakRSSMiB(t, d.cmd.Process.Pid), metric(t, d, "postbode_messages_total", `result="sent"`))
	}
}

// peakRSSMiB reads a process's peak resident set size (VmHWM) from /proc.
func peakRSSMiB(t *testing.T, pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}
