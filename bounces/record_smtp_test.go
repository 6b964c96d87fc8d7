package bounces

import "testing"

// TestRecordSMTPByCommand: a synchronous refusal is classified by the
// command it answered. "User unknown" in reply to DATA (the recipient was
// accepted at RCPT TO) or to MAIL FROM does not count as a hard bounce;
// the same reply to RCPT TO does.
func TestRecordSMTPByCommand(t *testing.T) {
	e := newEnv(t)
	l := e.list("news")
	c := e.contact("ria@example.org", l)
	for _, cmd := range []string{"DATA", "MAIL"} {
		camp := e.campaign([]int64{l}, c)
		if err := e.proc.RecordSMTP(t.Context(), camp, c.ID, cmd, 550, "", "550 User unknown"); err != nil {
			t.Fatal(err)
		}
		if s := e.state(c); s.Hard != 0 {
			t.Fatalf("after 550 User unknown at %s: hard_bounces = %d, want 0", cmd, s.Hard)
		}
	}
	camp := e.campaign([]int64{l}, c)
	if err := e.proc.RecordSMTP(t.Context(), camp, c.ID, "RCPT", 550, "", "550 User unknown"); err != nil {
		t.Fatal(err)
	}
	if s := e.state(c); s.Hard != 1 {
		t.Fatalf("after 550 User unknown at RCPT: hard_bounces = %d, want 1", s.Hard)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1 AND source = 'smtp' AND reason IN ('filtered', 'rejected')`, c.ID); n != 2 {
		t.Fatalf("filtered/rejected smtp rows = %d, want 2", n)
	}
}
