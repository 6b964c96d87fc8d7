package bounces

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

const testKey = "0123456789abcdef0123456789abcdef-bounces"

const bounceDomain = "bounces.example.net"

// testLists wires optin.UnsubscribeTx as cmd/postbode does.
type testLists struct{}

func (testLists) UnsubscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, source, evidence string) (int, error) {
	return optin.UnsubscribeTx(ctx, tx, contactID, listIDs, optin.Consent{Source: source, Evidence: evidence})
}

type env struct {
	t     *testing.T
	db    *db.Pool
	cs    *contacts.Store
	os    *optin.Store
	keys  *rtoken.Keys
	reg   *prometheus.Registry
	m     *Metrics
	proc  *Processor
	smtp  string // listener address, after listen
	lst   *Listener
	store Storer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testenv.DB(t)
	reg := prometheus.NewRegistry()
	e := &env{t: t, db: pool, cs: contacts.NewStore(pool, testKey, 2), os: optin.NewStore(pool),
		keys: rtoken.NewKeys(testKey), reg: reg, m: NewMetrics(reg)}
	e.proc = e.newProcessor()
	return e
}

func (e *env) newProcessor() *Processor {
	return NewProcessor(ProcessorOptions{DB: e.db, Contacts: e.cs, Lists: testLists{}, Keys: e.keys,
		Metrics: e.m, Log: testenv.Logger(e.t), Workers: 2, Poll: 20 * time.Millisecond,
		Policy: Policy{HardThreshold: 2, SoftEscalateCount: 3, SoftEscalateWindow: 720 * time.Hour}})
}

// listen starts the SMTP listener on 127.0.0.1 with store (nil: the Spool).
func (e *env) listen(o ListenerOptions) {
	e.t.Helper()
	if o.Store == nil {
		o.Store = NewSpool(e.db, e.cs)
	}
	if o.Domains == nil {
		o.Domains = []string{bounceDomain}
	}
	o.Metrics, o.Log, o.Hostname = e.m, testenv.Logger(e.t), "mx.test"
	e.lst = NewListener(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.smtp = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- e.lst.Serve(ln) }()
	e.t.Cleanup(func() {
		e.lst.Close()
		<-done
	})
}

// run starts the processor until the test ends.
func (e *env) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.proc.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

type contact struct {
	ID    int64
	Email string
}

// contact creates a contact subscribed (confirmed) to the given lists.
func (e *env) contact(email string, lists ...int64) contact {
	e.t.Helper()
	c, err := e.cs.Create(e.t.Context(), contacts.New{Email: email, Source: "api"})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(lists) > 0 {
		if _, err := e.os.Subscribe(e.t.Context(), c.ID, lists, optin.Consent{Source: "api"}, true); err != nil {
			e.t.Fatal(err)
		}
	}
	return contact{c.ID, c.Email}
}

func (e *env) list(slug string) int64 {
	e.t.Helper()
	purpose, single := "news about "+slug, "single"
	l, err := e.os.CreateList(e.t.Context(), optin.ListInput{Slug: &slug, Name: &slug, Purpose: &purpose, OptIn: &single})
	if err != nil {
		e.t.Fatal(err)
	}
	return l.ID
}

// campaign creates a campaign on lists, with a 'sent' delivery for each
// contact and matching stats.
func (e *env) campaign(lists []int64, cs ...contact) int64 {
	e.t.Helper()
	ctx := e.t.Context()
	var id int64
	if lists == nil {
		lists = []int64{}
	}
	if err := e.db.QueryRow(ctx, `INSERT INTO campaigns (name, subject, from_email, list_ids, status)
		VALUES ('c', 's', 'news@example.org', $1, 'running') RETURNING id`, lists).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO campaign_stats (campaign_id, total, sent) VALUES ($1, $2, $2)`, id, len(cs)); err != nil {
		e.t.Fatal(err)
	}
	for _, c := range cs {
		if _, err := e.db.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id, status, done_at) VALUES ($1, $2, 'sent', now() - interval '1 hour')`, id, c.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return id
}

func (e *env) verp(c contact, campaign int64) string {
	return e.keys.Address(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: c.ID, CampaignID: campaign}, bounceDomain)
}

func (e *env) ref(c contact, campaign int64) string {
	return e.keys.Mint(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: c.ID, CampaignID: campaign})
}

// get reads a contact's status, counters and one-star mark.
type state struct {
	Status      string
	Hard, Soft  int
	OneStar     bool
	Blocklisted bool
}

func (e *env) state(c contact) state {
	e.t.Helper()
	var s state
	err := e.db.QueryRow(e.t.Context(), `SELECT status, hard_bounces, soft_bounces, one_star_since IS NOT NULL,
		EXISTS (SELECT 1 FROM blocklist b WHERE b.email_hash = $2 AND b.department_id = contacts.department_id)
		FROM contacts WHERE id = $1`, c.ID, e.cs.Hash(c.Email)).
		Scan(&s.Status, &s.Hard, &s.Soft, &s.OneStar, &s.Blocklisted)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(e.t.Context(), q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// report applies a parsed report as the processor does for a stored message.
func (e *env) report(rep *Report, verp *rtoken.Claims) outcome {
	e.t.Helper()
	return e.reportFrom(rep, origin{Source: SourceDSN, VERP: verp})
}

// reportFrom applies a parsed report of origin o.
func (e *env) reportFrom(rep *Report, o origin) outcome {
	e.t.Helper()
	var out outcome
	err := pgx.BeginFunc(e.t.Context(), e.db, func(tx pgx.Tx) error {
		var err error
		out, err = e.proc.applyReport(e.t.Context(), tx, rep, o)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// send delivers one message over SMTP to the listener.
func (e *env) send(from string, rcpts []string, msg string) error {
	c, err := smtp.Dial(e.smtp)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("remote.test"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// waitFor polls cond until it holds or 10s pass.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dsn builds an RFC 3464 delivery status notification for rcpt, returning
// the original message with an optional X-Postbode-Ref header.
func makeDSN(rcpt, status, diag, ref string) string {
	action := "failed"
	if strings.HasPrefix(status, "4") {
		action = "delayed"
	}
	refHdr := ""
	if ref != "" {
		refHdr = "X-Postbode-Ref: " + ref + "\r\n"
	}
	return strings.ReplaceAll(fmt.Sprintf(`From: Mail Delivery System <MAILER-DAEMON@mx.remote.test>
To: bounce@example
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <dsn.%d@mx.remote.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.remote.test.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<%s>: host mx.remote.test said: %s

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test
Arrival-Date: Mon, 23 Nov 2026 09:59:58 +0000

Final-Recipient: rfc822; %s
Original-Recipient: rfc822;%s
Action: %s
Status: %s
Remote-MTA: dns; mx.remote.test
Diagnostic-Code: smtp; %s

--BOUNDARY
Content-Type: text/rfc822-headers

From: News <news@example.org>
To: %s
Subject: Our news
Message-ID: <m1@example.org>
%s
--BOUNDARY--
`, time.Now().UnixNano(), rcpt, diag, rcpt, rcpt, action, status, diag, rcpt, refHdr), "\n", "\r\n")
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
