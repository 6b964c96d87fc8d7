package bounces

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// world is everything a report could change, as text: contacts and their
// counters, subscriptions, consent records, the blocklist, deliveries,
// campaign statistics and bounce rows that name a contact or campaign.
func (e *env) world() string {
	e.t.Helper()
	var s string
	err := e.db.QueryRow(e.t.Context(), `SELECT json_build_object(
		'contacts', (SELECT json_agg(c ORDER BY c.id) FROM (SELECT id, email, status, hard_bounces, soft_bounces,
			one_star_since, updated_at FROM contacts) c),
		'subscriptions', (SELECT json_agg(s ORDER BY s.contact_id, s.list_id) FROM subscriptions s),
		'consent_records', (SELECT count(*) FROM consent_records),
		'blocklist', (SELECT json_agg(b ORDER BY b.id) FROM blocklist b),
		'deliveries', (SELECT json_agg(d ORDER BY d.campaign_id, d.contact_id) FROM deliveries d),
		'campaign_stats', (SELECT json_agg(s ORDER BY s.campaign_id) FROM campaign_stats s),
		'bounces', (SELECT count(*) FROM bounces WHERE counted OR contact_id IS NOT NULL OR campaign_id IS NOT NULL
			OR outcome <> 'unauthenticated'))::text`).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// audience makes n contacts subscribed to one list, all mailed an hour ago
// by one campaign: the most favourable ground for a forger.
func (e *env) audience(n int) ([]contact, int64) {
	e.t.Helper()
	l := e.list("news")
	var cs []contact
	for i := range n {
		cs = append(cs, e.contact(fmt.Sprintf("member%d@example.org", i), l))
	}
	return cs, e.campaign([]int64{l}, cs...)
}

// deliver sends msg over SMTP to rcpt at the bounce domain and waits until
// it is processed; it returns the stored outcome.
func (e *env) deliver(rcpt, msg string) string {
	e.t.Helper()
	before := e.count(`SELECT count(*) FROM inbound_messages WHERE status <> 'new'`)
	if err := e.send("", []string{rcpt}, msg); err != nil {
		e.t.Fatal(err)
	}
	e.waitFor("the message to be processed", func() bool {
		return e.count(`SELECT count(*) FROM inbound_messages WHERE status <> 'new'`) > before
	})
	var outcome string
	if err := e.db.QueryRow(e.t.Context(), `SELECT outcome FROM inbound_messages ORDER BY processed_at DESC, id DESC LIMIT 1`).Scan(&outcome); err != nil {
		e.t.Fatal(err)
	}
	return outcome
}

// mustBeHarmful checks that msg is a report Parse understands as failures
// (so a forgery changing nothing is down to the missing proof).
func mustBeHarmful(t *testing.T, msg string, want Class, n int) {
	t.Helper()
	rep, err := Parse([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, r := range relevant(rep.Results) {
		if r.Class == want {
			got++
		}
	}
	if got < n {
		t.Fatalf("the forgery parses as %d %s results, want at least %d: %+v", got, want, n, rep.Results)
	}
}

func forgedARF(addrs ...string) string {
	return makeARF(addrs, "Message-ID: <1234.5678@example.org>")
}

// makeARF builds an RFC 5965 abuse report naming rcpts (Original-Rcpt-To)
// and quoting a reported message with the extra header lines.
func makeARF(rcpts []string, header string) string {
	var b strings.Builder
	for _, a := range rcpts {
		b.WriteString("Original-Rcpt-To: " + a + "\n")
	}
	return strings.ReplaceAll(`From: feedback@fbl.remote.test
To: abuse@`+bounceDomain+`
Subject: complaint about message
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="B"

--B
Content-Type: text/plain

This is an email abuse report.

--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: fbl/1.0
Version: 1
`+b.String()+`
--B
Content-Type: message/rfc822

From: News <news@example.org>
Subject: Our news
`+header+`

Hello
--B--
`, "\n", "\r\n")
}

func forgedMultiDSN(addrs []string) string {
	var fields strings.Builder
	for _, a := range addrs {
		fmt.Fprintf(&fields, "Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n", a)
	}
	return strings.ReplaceAll(`From: Mail Delivery System <MAILER-DAEMON@mx.remote.test>
To: postmaster@`+bounceDomain+`
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test

`+fields.String()+`--BOUNDARY--
`, "\n", "\r\n")
}

func forgedTextBounce(addr string) string {
	return strings.ReplaceAll(`From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)
To: postmaster@`+bounceDomain+`
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.remote.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<`+addr+`>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <`+addr+`>:
    Recipient address rejected: User unknown in local recipient table (in
    reply to RCPT TO command)
`, "\n", "\r\n")
}

// Reports without proof — an ARF naming several Original-Rcpt-To, a DSN
// listing ten addresses in three spellings each, a Postfix text bounce —
// change no contact, subscription, blocklist, delivery or campaign
// statistic, whether address matching is off (the default) or on (they name
// several addresses, or none mailed recently), and are kept as evidence
// visible through the API and counted.
func TestForgedReportsChangeNothing(t *testing.T) {
	for _, addressMatch := range []bool{false, true} {
		t.Run(fmt.Sprintf("address_match=%v", addressMatch), func(t *testing.T) {
			e := newAPIEnv(t)
			e.proc.opt.AddressMatch = addressMatch
			e.listen(ListenerOptions{Stored: e.proc.Wake})
			e.run()
			cs, _ := e.audience(10)
			// subscribed, never mailed: address matching must not reach it either
			quiet := e.contact("quiet@example.org")
			var spellings []string
			for _, c := range cs {
				local, domain, _ := strings.Cut(c.Email, "@")
				spellings = append(spellings, c.Email, strings.ToUpper(c.Email), strings.ToUpper(local[:1])+local[1:]+"@"+strings.ToUpper(domain))
			}
			forgeries := []struct {
				name, rcpt, msg string
				class           Class
				n               int
			}{
				{"ARF with three Original-Rcpt-To", "abuse@" + bounceDomain, forgedARF(cs[0].Email, cs[1].Email, cs[2].Email), Complaint, 3},
				{"DSN with ten addresses in three spellings", "postmaster@" + bounceDomain, forgedMultiDSN(spellings), Hard, 30},
				{"Postfix text bounce", "postmaster@" + bounceDomain, forgedTextBounce(quiet.Email), Hard, 1},
			}
			before := e.world()
			for _, f := range forgeries {
				mustBeHarmful(t, f.msg, f.class, f.n)
				if got := e.deliver(f.rcpt, f.msg); got != "unauthenticated" {
					t.Errorf("%s: outcome %q, want unauthenticated", f.name, got)
				}
				if after := e.world(); after != before {
					t.Fatalf("%s changed the world:\nbefore %s\nafter  %s", f.name, before, after)
				}
			}
			if v := testutil.ToFloat64(e.m.Processed.WithLabelValues("unauthenticated")); v != 3 {
				t.Errorf("postbode_inbound_processed_total{outcome=unauthenticated} = %v, want 3", v)
			}
			reason := unauthNoToken
			if addressMatch {
				reason = unauthNotEligible // several addresses, or one never mailed
			}
			if v := testutil.ToFloat64(e.m.Unauthenticated.WithLabelValues(reason)); v != 3 {
				t.Errorf("postbode_inbound_unauthenticated_total{reason=%s} = %v, want 3", reason, v)
			}
			code, raw := e.do("privacy", "GET", "/api/v1/bounces/unauthenticated?limit=100", nil)
			if code != 200 || strings.Count(string(raw), `"outcome":"unauthenticated"`) != 3+30+1 ||
				!strings.Contains(string(raw), `"recipient":"`+quiet.Email+`"`) {
				t.Errorf("GET /api/v1/bounces/unauthenticated: %d %.400s", code, raw)
			}
			if code, raw := e.do("viewer", "GET", "/api/v1/bounces/unauthenticated", nil); code != 403 {
				t.Errorf("viewer: %d %s, want 403", code, raw)
			}
		})
	}
}

// With address matching on, the Postfix text bounce above is applied when
// its one address was mailed within the window — once, to that delivery.
func TestAddressMatchingTextBounce(t *testing.T) {
	e := newEnv(t)
	e.proc.opt.AddressMatch = true
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	cs, camp := e.audience(2)
	msg := forgedTextBounce(strings.ToUpper(cs[0].Email))
	for range 2 {
		if got := e.deliver("postmaster@"+bounceDomain, msg); got != "bounce" {
			t.Fatalf("outcome %q, want bounce", got)
		}
	}
	e.bouncedOnce(cs[0], camp, cs[1])
}

// bouncedOnce checks that c has one hard bounce, its delivery of camp is
// bounced and counted once in the campaign, and other is untouched.
func (e *env) bouncedOnce(c contact, camp int64, other contact) {
	e.t.Helper()
	if s := e.state(c); s.Hard != 1 {
		e.t.Fatalf("hard_bounces = %d, want 1", s.Hard)
	}
	if n := e.count(`SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND contact_id = $2 AND status = 'bounced'`, camp, c.ID); n != 1 {
		e.t.Fatal("delivery not bounced")
	}
	if n := e.count(`SELECT bounced FROM campaign_stats WHERE campaign_id = $1`, camp); n != 1 {
		e.t.Fatalf("campaign bounced = %d, want 1", n)
	}
	if s := e.state(other); s.Hard != 0 {
		e.t.Fatalf("the other contact changed: %+v", s)
	}
}

// tamper changes the character at i of a Message-ID's local part.
func tamper(mid string, i int) string {
	local := strings.Trim(mid, "<>")
	return "<" + local[:i] + map[bool]string{true: "b", false: "a"}[local[i] == 'a'] + local[i+1:] + ">"
}

// A DSN quoting only the original header with our Message-ID is applied to
// the contact and campaign the Message-ID names; the same DSN with one
// character of the Message-ID changed changes nothing.
func TestMessageIDCorrelation(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	cs, camp := e.audience(2)
	mid := e.keys.MessageIDFor(cs[0].ID, camp, bounceDomain)
	tampered := tamper(mid, len(mid)/2)
	dsn := func(id string) string {
		return strings.Replace(makeDSN(cs[0].Email, "5.1.1", "550 5.1.1 user unknown", ""), "<m1@example.org>", id, 1)
	}

	before := e.world()
	if got := e.deliver("postmaster@"+bounceDomain, dsn(tampered)); got != "forged" {
		t.Errorf("tampered Message-ID: outcome %q, want forged", got)
	}
	if after := e.world(); after != before {
		t.Fatalf("a tampered Message-ID changed the world:\nbefore %s\nafter  %s", before, after)
	}
	if v := testutil.ToFloat64(e.m.Forged); v != 1 {
		t.Errorf("forged counter = %v, want 1", v)
	}

	if got := e.deliver("postmaster@"+bounceDomain, dsn(mid)); got != "bounce" {
		t.Fatalf("genuine Message-ID: outcome %q, want bounce", got)
	}
	e.bouncedOnce(cs[0], camp, cs[1])
}

// Genuine reports of the shared corpus (hard bounces of several MTAs, and an
// ARF complaint), sent to a valid VERP address, still apply.
func TestCorpusWithTokenApplies(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	l := e.list("news")
	files := map[string]Class{"eml/arf-01.eml": Complaint}
	for _, row := range readCorpus(t) {
		if len(files) >= 7 || !row.hard || files[row.file] != "" {
			continue
		}
		files[row.file] = Hard
	}
	n := 0
	for file, class := range files {
		raw, err := os.ReadFile(filepath.Join("testdata", "corpus", file))
		if err != nil {
			t.Fatal(err)
		}
		mustBeHarmful(t, string(raw), class, 1)
		n++
		c := e.contact(fmt.Sprintf("corpus%d@example.org", n), l)
		camp := e.campaign([]int64{l}, c)
		e.deliver(e.verp(c, camp), string(raw))
		s := e.state(c)
		switch class {
		case Hard:
			if s.Hard != 1 || e.count(`SELECT bounced FROM campaign_stats WHERE campaign_id = $1`, camp) != 1 {
				t.Errorf("%s: hard_bounces %d, campaign not counted", file, s.Hard)
			}
		case Complaint:
			if !s.Blocklisted {
				t.Errorf("%s: complaint not applied: %+v", file, s)
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d corpus files tried", n)
	}
}
