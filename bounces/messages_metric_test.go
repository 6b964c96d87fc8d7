package bounces

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/internal/metrics"
)

// TestBouncedMessagesCounted: postbode_messages_total{result="bounced"}
// counts a message that bounces after the receiving server accepted it,
// when its DSN moves the delivery to bounced — once, however many reports
// of it arrive, and not for a message already counted as bounced while
// sending (the send worker counts that one). The counter is the one the
// send workers count into on the same registry.
func TestBouncedMessagesCounted(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	bounced := func() float64 { return testutil.ToFloat64(metrics.Messages(e.reg).WithLabelValues("bounced")) }
	if metrics.Messages(e.reg) != e.m.Messages {
		t.Fatal("the processor's postbode_messages_total is not the registry's one")
	}
	l := e.list("news")
	late := e.contact("karel@example.org", l)
	refused := e.contact("lies@example.org", l)
	camp := e.campaign([]int64{l}, late, refused)
	// The send worker recorded lies' 5xx: her delivery is bounced already.
	if _, err := e.db.Exec(t.Context(), `UPDATE deliveries SET status = 'bounced' WHERE campaign_id = $1 AND contact_id = $2`,
		camp, refused.ID); err != nil {
		t.Fatal(err)
	}
	applied := func(n int) func() bool {
		return func() bool {
			return e.count(`SELECT count(*) FROM inbound_messages WHERE status = 'done'`) == n
		}
	}
	for i, c := range []contact{late, late, refused} {
		msg := makeDSN(c.Email, "5.1.1", "550 5.1.1 <"+c.Email+">: Recipient address rejected: User unknown", "")
		if err := e.send("", []string{e.verp(c, camp)}, msg); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		e.waitFor("the bounce to be applied", applied(i+1))
		if got := bounced(); got != 1 {
			t.Fatalf(`after DSN %d: postbode_messages_total{result="bounced"} = %v, want 1`, i+1, got)
		}
	}
	if n := e.count(`SELECT bounced FROM campaign_stats WHERE campaign_id = $1`, camp); n != 1 {
		t.Errorf("campaign bounced = %d, want 1 (only karel's delivery moved)", n)
	}
}
