package bounces

import "testing"

// TestTokenedReportSpeaksForItsContact: a report proven by its token to
// answer one contact applies the result that names the contact's address;
// when none does and another address's result is hard while some other
// result is not (an alias that expanded to several mailboxes, one of them
// dead), the contact's own address is not shown dead: the softer result
// counts. A single result naming another address (a forward to one dead
// mailbox) still counts as it is.
func TestTokenedReportSpeaksForItsContact(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	blocked := Result{Class: Block, Reason: "blocked", Status: "5.7.1", ReplyCode: 554, Action: "failed", Diagnostic: "554 5.7.1 blocked"}
	for _, c := range []struct {
		name     string
		results  func(own string) []Result
		wantHard int
	}{
		{"the contact's own result", func(own string) []Result {
			b := blocked
			b.Recipient = own
			return []Result{hardResult("other@example.net"), b}
		}, 0},
		{"several results, none the contact's", func(own string) []Result {
			b := blocked
			b.Recipient = "third@example.net"
			return []Result{hardResult("other@example.net"), b}
		}, 0},
		{"every result hard", func(own string) []Result {
			return []Result{hardResult("other@example.net"), hardResult("third@example.net")}
		}, 1},
		{"one result, another address", func(own string) []Result {
			return []Result{hardResult("forwarded@example.net")}
		}, 1},
	} {
		ct := e.contact(c.name[:3]+"@example.org", l)
		camp := e.campaign([]int64{l}, ct)
		e.report(&Report{Results: c.results(ct.Email)}, claims(ct, camp))
		if s := e.state(ct); s.Hard != c.wantHard {
			t.Errorf("%s: hard_bounces %d, want %d", c.name, s.Hard, c.wantHard)
		}
	}
}
