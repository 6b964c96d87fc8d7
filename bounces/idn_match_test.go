package bounces

import (
	"testing"
	"time"
)

// TestRecipientMatchesEitherSpellingOfItsDomain: a report naming a
// recipient whose domain is written in A-labels (xn--) or in other case
// finds the contact stored with the domain in U-labels, by address
// matching and among a tokened report's results alike; a recipient at
// another domain still does not.
func TestRecipientMatchesEitherSpellingOfItsDomain(t *testing.T) {
	e := newEnv(t)
	e.proc.opt.AddressMatch, e.proc.opt.AddressMatchWindow = true, 48*time.Hour
	l := e.list("news")
	c := e.contact("vera@bücher.example", l)
	if c.Email != "vera@bücher.example" {
		t.Fatalf("stored as %q", c.Email)
	}
	e.campaign([]int64{l}, c)
	// Address matching (a relay that rewrites the return path).
	if out := e.report(&Report{Results: []Result{hardResult("vera@bücher.example.net")}}, nil); out.ContactID != 0 {
		t.Fatalf("another domain matched: %+v", out)
	}
	out := e.report(&Report{Results: []Result{hardResult("Vera@XN--BCHER-KVA.example")}}, nil)
	if out.ContactID != c.ID || e.state(c).Hard != 1 {
		t.Errorf("A-label recipient: outcome %+v, state %+v", out, e.state(c))
	}
	// A tokened report whose results name the contact in A-labels (hard)
	// and another address (not hard): the contact's own result speaks for it.
	d := e.contact("dirk@bücher.example", l)
	camp := e.campaign([]int64{l}, d)
	other := Result{Class: Block, Reason: "blocked", Status: "5.7.1", ReplyCode: 554, Action: "failed",
		Diagnostic: "554 5.7.1 blocked", Recipient: "other@example.net"}
	e.report(&Report{Results: []Result{other, hardResult("dirk@xn--bcher-kva.example")}}, claims(d, camp))
	if s := e.state(d); s.Hard != 1 {
		t.Errorf("tokened report: hard_bounces %d, want 1 (the contact's own result)", s.Hard)
	}
}
