package bounces

import (
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/rtoken"
)

func hardResult(rcpt string) Result {
	return Result{Recipient: rcpt, Class: Hard, Reason: "userunknown", Status: "5.1.1", ReplyCode: 550, Action: "failed",
		Diagnostic: "550 5.1.1 <" + rcpt + ">: user unknown"}
}

func claims(c contact, campaign int64) *rtoken.Claims {
	return &rtoken.Claims{Purpose: rtoken.Bounce, ContactID: c.ID, CampaignID: campaign}
}

// Three hard bounces (threshold 2) make a contact inactive and one-star; two
// do not.
func TestHardBounceThreshold(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	c := e.contact("anna@example.org", l)
	for i := 1; i <= 3; i++ {
		camp := e.campaign([]int64{l}, c)
		out := e.report(&Report{Results: []Result{hardResult(c.Email)}}, claims(c, camp))
		if out.What != "bounce" || out.ContactID != c.ID {
			t.Fatalf("bounce %d: outcome %+v", i, out)
		}
		s := e.state(c)
		if s.Hard != i {
			t.Fatalf("after %d hard bounces: hard_bounces = %d", i, s.Hard)
		}
		wantInactive := i == 3
		if (s.Status == "inactive") != wantInactive || s.OneStar != wantInactive {
			t.Fatalf("after %d hard bounces: status %s, one-star %v; want inactive=%v", i, s.Status, s.OneStar, wantInactive)
		}
	}
}

// A synchronous 5xx and a later DSN for the same message count once; the
// DSN moves the delivery from sent to bounced once.
func TestSyncAndDSNCountOnce(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	c := e.contact("bert@example.org", l)
	camp := e.campaign([]int64{l}, c)
	if err := e.proc.RecordSMTP(t.Context(), camp, c.ID, "RCPT", 550, "5.1.1", "5.1.1 <bert@example.org>: Recipient address rejected: User unknown in virtual mailbox table"); err != nil {
		t.Fatal(err)
	}
	if s := e.state(c); s.Hard != 1 {
		t.Fatalf("after the synchronous refusal: hard_bounces = %d, want 1", s.Hard)
	}
	for range 2 {
		e.report(&Report{Results: []Result{hardResult(c.Email)}}, claims(c, camp))
	}
	if s := e.state(c); s.Hard != 1 || s.Status != "active" {
		t.Fatalf("after the DSNs: %+v, want hard_bounces 1, active", s)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1`, c.ID); n != 3 {
		t.Errorf("bounce rows = %d, want 3 (all recorded)", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND counted`, c.ID); n != 1 {
		t.Errorf("counted rows = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND source = 'smtp'`, c.ID); n != 1 {
		t.Errorf("smtp rows = %d, want 1", n)
	}
	var sent, bounced int
	e.db.QueryRow(t.Context(), `SELECT sent, bounced FROM campaign_stats WHERE campaign_id = $1`, camp).Scan(&sent, &bounced)
	if sent != 0 || bounced != 1 {
		t.Errorf("stats sent=%d bounced=%d, want 0 and 1", sent, bounced)
	}
	if n := e.count(`SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND status = 'bounced'`, camp); n != 1 {
		t.Errorf("bounced deliveries = %d", n)
	}
}

// Policy blocks and full mailboxes never count toward inactive.
func TestPolicyBlocksDoNotCount(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	c := e.contact("carla@example.org", l)
	for range 4 {
		camp := e.campaign([]int64{l}, c)
		e.report(&Report{Results: []Result{{Recipient: c.Email, Class: Block, Reason: "spamdetected", Status: "5.7.1",
			ReplyCode: 554, Action: "failed", Diagnostic: "554 5.7.1 message rejected as spam"}}}, claims(c, camp))
	}
	if err := e.proc.RecordSMTP(t.Context(), 0, c.ID, "DATA", 550, "5.7.1", "Message rejected due to local policy"); err != nil {
		t.Fatal(err)
	}
	s := e.state(c)
	if s.Hard != 0 || s.Soft != 0 || s.Status != "active" || s.OneStar {
		t.Fatalf("state after blocks: %+v, want untouched", s)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND class = 'block' AND NOT counted`, c.ID); n != 5 {
		t.Fatalf("block rows = %d, want 5 recorded, uncounted", n)
	}
}

// A complaint unsubscribes from every list with a consent record of source
// complaint and blocklists the address.
func TestComplaintUnsubscribesAndBlocklists(t *testing.T) {
	e := newEnv(t)
	a, b := e.list("a"), e.list("b")
	c := e.contact("dirk@example.org", a, b)
	camp := e.campaign([]int64{a}, c)
	// Correlated by the Message-ID of the reported message (all the report quotes).
	out := e.report(&Report{Results: []Result{{Recipient: c.Email, Class: Complaint, Reason: "feedback", FeedbackType: "abuse"}},
		Original: map[string]string{"message-id": e.keys.MessageIDFor(c.ID, camp, bounceDomain)}}, nil)
	if out.What != "complaint" {
		t.Fatalf("outcome %+v", out)
	}
	if n := e.count(`SELECT count(*) FROM subscriptions WHERE contact_id = $1 AND status <> 'unsubscribed'`, c.ID); n != 0 {
		t.Fatalf("%d lists still subscribed", n)
	}
	if n := e.count(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND source = 'complaint' AND action = 'opt-out'`, c.ID); n != 2 {
		t.Fatalf("complaint consent records = %d, want 2", n)
	}
	s := e.state(c)
	if !s.Blocklisted || s.Status != "blocklisted" || !s.OneStar {
		t.Fatalf("state %+v, want blocklisted and one-star", s)
	}
	if n := e.count(`SELECT count(*) FROM blocklist WHERE reason = 'complaint'`); n != 1 {
		t.Fatalf("blocklist complaint entries = %d", n)
	}
	// A second report (by token this time) changes nothing more.
	e.report(&Report{Results: []Result{{Recipient: "redacted", Class: Complaint, Reason: "feedback"}},
		Original: map[string]string{"x-postbode-ref": e.ref(c, camp)}}, nil)
	if n := e.count(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND source = 'complaint'`, c.ID); n != 2 {
		t.Fatalf("complaint consent records after a second report = %d, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND class = 'complaint'`, c.ID); n != 2 {
		t.Fatalf("complaint rows = %d, want 2", n)
	}
}

// Soft bounces are counted; soft_escalate_count of them within the window
// and after the last successful delivery make the contact inactive.
func TestSoftEscalation(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	soft := func(c contact) {
		camp := e.campaign([]int64{l}, c)
		e.report(&Report{Results: []Result{{Recipient: c.Email, Class: Soft, Reason: "mailboxfull", Status: "5.2.2",
			ReplyCode: 552, Action: "failed", Diagnostic: "552 5.2.2 mailbox full"}}}, claims(c, camp))
	}
	c := e.contact("eva@example.org", l)
	for i := 1; i <= 3; i++ {
		soft(c)
		s := e.state(c)
		if s.Soft != i || (s.Status == "inactive") != (i == 3) {
			t.Fatalf("after %d soft bounces: %+v", i, s)
		}
	}
	if !e.state(c).OneStar {
		t.Fatal("escalated contact is not one-star")
	}

	// A successful delivery in between resets the run.
	d := e.contact("frits@example.org", l)
	soft(d)
	soft(d)
	e.campaign([]int64{l}, d) // delivered (sent, no bounce), after the two soft bounces
	e.db.Exec(t.Context(), `UPDATE deliveries SET done_at = now() WHERE contact_id = $1 AND status = 'sent'`, d.ID)
	soft(d)
	if s := e.state(d); s.Soft != 3 || s.Status != "active" {
		t.Fatalf("with a delivery in between: %+v, want active with 3 soft bounces", s)
	}

	// Disabled (0): never escalates.
	e.proc.policy.SoftEscalateCount = 0
	f := e.contact("gijs@example.org", l)
	for range 4 {
		soft(f)
	}
	if s := e.state(f); s.Soft != 4 || s.Status != "active" {
		t.Fatalf("escalation disabled: %+v", s)
	}
}

// Auto-replies are ignored; delivered actions are not bounces.
func TestAutoReplyIgnored(t *testing.T) {
	e := newEnv(t)
	c := e.contact("henk@example.org")
	out := e.report(&Report{Results: []Result{{Recipient: c.Email, Class: AutoReply, Reason: "vacation"}}}, claims(c, 0))
	if out.What != "auto-reply" || out.Status != "ignored" {
		t.Fatalf("outcome %+v", out)
	}
	if n := e.count(`SELECT count(*) FROM bounces`); n != 0 {
		t.Fatalf("%d bounce rows for an auto-reply", n)
	}
}

// Correlation: the X-Postbode-Ref or the Message-ID of the returned
// original; a report naming an address only is evidence and changes
// nothing; a forged or tampered token is ignored and counted.
func TestCorrelation(t *testing.T) {
	e := newEnv(t)
	c := e.contact("ingrid@example.org")
	other := e.contact("jan@example.org")
	camp := e.campaign(nil, c, other)

	// by reference: the recipient named in the report does not matter
	e.report(&Report{Results: []Result{hardResult("alias@forwarder.example")},
		Original: map[string]string{"x-postbode-ref": e.ref(c, camp)}}, nil)
	if e.state(c).Hard != 1 {
		t.Fatal("not correlated by X-Postbode-Ref")
	}
	// the contact's row holds the contact's address, not the one named
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND recipient = 'ingrid@example.org'`, c.ID); n != 1 {
		t.Fatalf("%d rows of the contact with its own address, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE recipient LIKE 'alias@%'`); n != 0 {
		t.Fatalf("%d rows hold the address the report named", n)
	}
	// by Message-ID
	mid := e.keys.MessageIDFor(other.ID, camp, bounceDomain)
	out := e.report(&Report{Results: []Result{hardResult("alias@forwarder.example")}, Original: map[string]string{"message-id": mid}}, nil)
	if e.state(other).Hard != 1 || out.ContactID != other.ID {
		t.Fatalf("not correlated by Message-ID: %+v", out)
	}
	// by address only: evidence, nothing changed
	out = e.report(&Report{Results: []Result{hardResult("JAN@example.org")}}, nil)
	if out.What != "unauthenticated" || out.unauth != unauthNoToken || e.state(other).Hard != 1 {
		t.Fatalf("address only: outcome %+v, hard %d", out, e.state(other).Hard)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE outcome = 'unauthenticated' AND contact_id IS NULL AND campaign_id IS NULL
		AND lower(recipient) = 'jan@example.org' AND NOT counted`); n != 1 {
		t.Fatalf("%d evidence rows, want 1", n)
	}
	// forged reference, tampered Message-ID, and a genuine Message-ID of
	// another message spliced next to a reference: ignored, counted as forged
	forged := rtoken.NewKeys("ffffffffffffffffffffffffffffffff").Mint(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: other.ID, CampaignID: camp})
	tampered := tamper(mid, 9)
	for i, orig := range []map[string]string{
		{"x-postbode-ref": forged},
		{"message-id": tampered},
		{"x-postbode-ref": e.ref(c, camp), "message-id": mid},
	} {
		out = e.report(&Report{Results: []Result{hardResult(other.Email)}, Original: orig}, nil)
		if out.What != "forged" || e.state(other).Hard != 1 || e.state(c).Hard != 1 {
			t.Fatalf("forgery %d: outcome %+v, hard %d/%d", i, out, e.state(c).Hard, e.state(other).Hard)
		}
	}
}

// With bounces.address_match on, a report without token changes the one
// contact it names when that contact got a delivery within the window —
// attributed to that delivery's campaign, so a synchronous refusal and the
// DSN count once and the delivery becomes bounced. A report naming several
// addresses, or an address not mailed recently, stays evidence.
func TestAddressMatching(t *testing.T) {
	e := newEnv(t)
	e.proc.opt.AddressMatch, e.proc.opt.AddressMatchWindow = true, 48*time.Hour
	l := e.list("news")
	c := e.contact("vera@example.org", l)
	stale := e.contact("wouter@example.org", l)
	camp := e.campaign([]int64{l}, c, stale)
	if _, err := e.db.Exec(t.Context(), `UPDATE deliveries SET done_at = now() - interval '3 days' WHERE contact_id = $1`, stale.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.proc.RecordSMTP(t.Context(), camp, c.ID, "RCPT", 550, "5.1.1", "550 5.1.1 user unknown"); err != nil {
		t.Fatal(err)
	}
	// Two addresses in one report: ambiguous.
	out := e.report(&Report{Results: []Result{hardResult(c.Email), hardResult(stale.Email)}}, nil)
	if out.unauth != unauthNotEligible {
		t.Fatalf("two addresses: outcome %+v", out)
	}
	// Not mailed within the window.
	if out := e.report(&Report{Results: []Result{hardResult(stale.Email)}}, nil); out.unauth != unauthNotEligible || e.state(stale).Hard != 0 {
		t.Fatalf("stale address: outcome %+v, state %+v", out, e.state(stale))
	}
	// One address in two spellings, mailed yesterday.
	out = e.report(&Report{Results: []Result{hardResult(c.Email), hardResult(strings.ToUpper(c.Email))}}, nil)
	if out.ContactID != c.ID {
		t.Fatalf("outcome %+v", out)
	}
	if s := e.state(c); s.Hard != 1 {
		t.Fatalf("hard_bounces = %d, want 1", s.Hard)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE campaign_id = $1 AND contact_id = $2 AND source = 'dsn'`, camp, c.ID); n != 1 {
		t.Fatalf("DSN not attributed to the campaign")
	}
	if n := e.count(`SELECT bounced FROM campaign_stats WHERE campaign_id = $1`, camp); n != 1 {
		t.Fatalf("campaign bounced = %d", n)
	}
}

// One inbound message counts once per contact even when it names no
// campaign (a token without one), however often it is applied.
func TestOneMessageCountsOncePerContact(t *testing.T) {
	e := newEnv(t)
	c := e.contact("xander@example.org")
	for range 3 {
		e.reportFrom(&Report{Results: []Result{hardResult(c.Email)}}, origin{InboundID: 77, Source: SourceDSN, VERP: claims(c, 0)})
	}
	if s := e.state(c); s.Hard != 1 {
		t.Fatalf("hard_bounces = %d, want 1", s.Hard)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND counted`, c.ID); n != 1 {
		t.Fatalf("%d counted rows, want 1", n)
	}
}
