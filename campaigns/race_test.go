package campaigns_test

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

type optinLists struct{}

func (optinLists) UnsubscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, source, evidence string) (int, error) {
	return optin.UnsubscribeTx(ctx, tx, contactID, listIDs, optin.Consent{Source: source, Evidence: evidence})
}

// A DSN processed before the send worker records its batch (the remote
// accepts the message, a later hop bounces it, and the bounce is applied
// while the worker still waits for the 250) ends as if it came after: the
// delivery is bounced, the campaign counts it in bounced and not in sent,
// and the contact's hard bounce is counted once.
func TestDSNBeforeBatchIsRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	cs := contacts.NewStore(f.db, testSecret, 2)
	proc := bounces.NewProcessor(bounces.ProcessorOptions{DB: f.db, Contacts: cs, Lists: optinLists{}, Keys: f.keys,
		Metrics: bounces.NewMetrics(prometheus.NewRegistry()), Log: testenv.Logger(t), Policy: bounces.Policy{HardThreshold: 2}})
	spool := bounces.NewSpool(f.db, cs)
	l := f.list("news")
	ids := f.contacts("race", 6, "confirmed", l)
	bounced := map[string]bool{email("race", 1): true, email("race", 4): true}
	f.sink.mu.Lock()
	f.sink.onData = func(from string, rcpts []string, data []byte) {
		if !bounced[rcpts[0]] {
			return
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Error(err)
			return
		}
		// A DSN quoting the original header, to the VERP return path; it is
		// applied before this message is answered 250.
		dsn := strings.ReplaceAll(fmt.Sprintf(`From: MAILER-DAEMON@mx.example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; %s
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B
Content-Type: text/rfc822-headers

Message-ID: %s

--B--
`, rcpts[0], m.Header.Get("Message-ID")), "\n", "\r\n")
		ctx := context.Background()
		if _, err := spool.Store(ctx, "", []string{from}, []byte(dsn)); err != nil {
			t.Error(err)
			return
		}
		if ok, err := proc.ProcessOne(ctx); !ok || err != nil {
			t.Errorf("processing the DSN: %v %v", ok, err)
		}
	}
	f.sink.mu.Unlock()
	c := f.create("News", l)
	f.runScheduler()
	f.runSender(f.svc)
	if _, err := f.svc.Start(context.Background(), c.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)

	st := f.stats(c.ID)
	if st.Sent != 4 || st.Bounced != 2 || st.Total != 6 {
		t.Errorf("stats %+v: want sent 4, bounced 2 of 6", st)
	}
	var n int
	f.db.QueryRow(context.Background(), `SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND status = 'bounced'`, c.ID).Scan(&n)
	if n != 2 {
		t.Errorf("%d deliveries bounced, want 2", n)
	}
	for i, id := range ids {
		var hard int
		f.db.QueryRow(context.Background(), `SELECT hard_bounces FROM contacts WHERE id = $1`, id).Scan(&hard)
		if want := map[bool]int{true: 1, false: 0}[bounced[email("race", i+1)]]; hard != want {
			t.Errorf("contact %d: hard_bounces %d, want %d", i+1, hard, want)
		}
	}
}
