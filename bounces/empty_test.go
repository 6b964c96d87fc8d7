package bounces

import "testing"

// A message with nothing in it (DATA ended at once, BDAT 0 LAST, or only
// blank lines) is stored and ignored at its first processing: there is
// nothing to parse now or later. It used to be retried with backoff until
// it was given up as failed, each empty message holding its place in the
// inbound queue for about twenty minutes and logging a warning at each
// attempt.
func TestEmptyMessageIsIgnoredAtOnce(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{})
	c := e.contact("wim@example.org")
	camp := e.campaign(nil, c)
	for _, rcpt := range []string{"postmaster@" + bounceDomain, e.verp(c, camp)} {
		for _, m := range []string{"", "\r\n \r\n\t\r\n"} {
			if err := e.send("", []string{rcpt}, m); err != nil {
				t.Fatalf("send: %v", err)
			}
		}
	}
	for {
		ok, err := e.proc.ProcessOne(t.Context())
		if err != nil {
			t.Fatalf("processing an empty message: %v", err)
		}
		if !ok {
			break
		}
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'ignored' AND attempts = 1`); n != 4 {
		t.Fatalf("%d of 4 empty messages ignored at the first attempt (statuses: %d new, %d failed)", n,
			e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'new'`), e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'failed'`))
	}
	if s := e.state(c); s.Hard != 0 || s.Soft != 0 || s.Status != "active" {
		t.Fatalf("an empty message changed the contact: %+v", s)
	}
}
