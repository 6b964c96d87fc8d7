package campaigns_test

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/rtoken"
)

// TestCampaignReachesEveryEligibleContactOnce: confirmed subscribers of the
// target lists get exactly one message, de-duplicated across lists, with a
// valid DKIM signature and the list headers; unconfirmed, unsubscribed,
// inactive, one-star and blocklisted contacts get nothing.
func TestCampaignReachesEveryEligibleContactOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	a, b, other := f.list("a"), f.list("b"), f.list("other")
	onA := f.contacts("a", 25, "confirmed", a)
	both := f.contacts("both", 10, "confirmed", a, b)
	f.contacts("unconf", 4, "unconfirmed", a)
	f.contacts("unsub", 4, "unsubscribed", a)
	f.contacts("elsewhere", 4, "confirmed", other)
	inactive := f.contacts("inactive", 3, "confirmed", a)
	onestar := f.contacts("onestar", 2, "confirmed", b)
	blocked := f.contacts("blocked", 2, "confirmed", a)
	hashOnly := f.contacts("hashonly", 1, "confirmed", a)
	f.db.Exec(ctx, `UPDATE contacts SET status = 'inactive' WHERE id = ANY($1)`, inactive)
	f.db.Exec(ctx, `UPDATE contacts SET one_star_since = now() WHERE id = ANY($1)`, onestar)
	f.db.Exec(ctx, `UPDATE contacts SET status = 'blocklisted' WHERE id = ANY($1)`, blocked)
	// Blocklisted by address only (the contact row was not updated): the
	// worker's blocklist re-check skips it.
	if _, err := f.db.Exec(ctx, `INSERT INTO blocklist (email_hash, email, reason) VALUES ($1, $2, 'manual')`,
		f.opt.Contacts.Hash(email("hashonly", 1)), email("hashonly", 1)); err != nil {
		t.Fatal(err)
	}
	_ = hashOnly
	// Blocklisted in another department only: that entry does not stop
	// this department's campaign.
	elsewhereBlocked := f.contacts("blockedinsales", 1, "confirmed", a)
	if _, err := f.db.Exec(ctx, `WITH d AS (INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id)
		INSERT INTO blocklist (department_id, email_hash, email, reason) SELECT d.id, $1, $2, 'manual' FROM d`,
		f.opt.Contacts.Hash(email("blockedinsales", 1)), email("blockedinsales", 1)); err != nil {
		t.Fatal(err)
	}

	c := f.create("Nieuws voor {{.Contact.Name}} – €uro", a, b)
	f.runScheduler()
	f.runSender(f.svc)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)

	want := len(onA) + len(both) + len(elsewhereBlocked)
	total, distinct, dup := f.sink.counts()
	if total != want || distinct != want || dup != 0 {
		t.Fatalf("sink got %d messages to %d recipients (%d duplicates), want %d each once", total, distinct, dup, want)
	}
	for _, p := range []string{"unconf", "unsub", "elsewhere", "inactive", "onestar", "blocked", "hashonly"} {
		if f.sink.count(email(p, 1)) != 0 {
			t.Errorf("%s contact was mailed", p)
		}
	}
	st := f.stats(c.ID)
	if st.Total != int64(want+1) || st.Sent != int64(want) || st.Skipped != 1 || st.Queued != 0 || st.Progress != 100 {
		t.Errorf("stats %+v: want total %d, sent %d, skipped 1 (address blocklisted), progress 100", st, want+1, want)
	}
	if got := messages(f, "sent"); got != float64(want) {
		t.Errorf("postbode_messages_total{result=sent} = %v, want %d", got, want)
	}

	// Headers and DKIM of one message.
	raw, from := f.sink.message(email("both", 3))
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: f.lookupTXT})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "news.example.com" {
		t.Fatalf("DKIM verification: %v %+v", err, vs)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "Nieuws voor Name 3 – €uro" || !strings.Contains(h.Get("Subject"), "=?") {
		t.Errorf("Subject %q decodes to %q (%v)", h.Get("Subject"), subject, err)
	}
	if h.Get("Message-ID") == "" || h.Get("Date") == "" {
		t.Errorf("Message-ID %q, Date %q", h.Get("Message-ID"), h.Get("Date"))
	}
	// The Message-ID names campaign and contact under the server key, so a
	// report quoting only it can be verified.
	if mc, err := f.keys.ParseMessageID(h.Get("Message-ID")); err != nil || mc.CampaignID != c.ID || mc.ContactID == 0 {
		t.Errorf("Message-ID %q does not verify: %+v, %v", h.Get("Message-ID"), mc, err)
	}
	if h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", h.Get("List-Unsubscribe-Post"))
	}
	lu := h.Get("List-Unsubscribe")
	parts := strings.Split(lu, ", ")
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "<https://pb.example.com/u/") || !strings.HasPrefix(parts[1], "<mailto:u") ||
		!strings.HasSuffix(parts[1], "@bounce.example.com?subject=unsubscribe>") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	contactID := both[2]
	tok := strings.TrimSuffix(strings.TrimPrefix(parts[0], "<https://pb.example.com/u/"), ">")
	if cl, err := f.keys.Parse(tok, rtoken.Unsubscribe); err != nil || cl.ContactID != contactID || cl.CampaignID != c.ID {
		t.Errorf("unsubscribe token: %+v %v", cl, err)
	}
	mailto := strings.TrimSuffix(strings.TrimPrefix(parts[1], "<mailto:"), "?subject=unsubscribe>")
	if cl, err := f.keys.ParseAddress(mailto); err != nil || cl.Purpose != rtoken.Unsubscribe || cl.ContactID != contactID {
		t.Errorf("mailto unsubscribe address: %+v %v", cl, err)
	}
	if cl, err := f.keys.ParseAddress(from); err != nil || cl.Purpose != rtoken.Bounce || cl.ContactID != contactID || cl.CampaignID != c.ID {
		t.Errorf("MAIL FROM %q is not the VERP address: %+v %v", from, cl, err)
	}
	if cl, err := f.keys.Parse(h.Get("X-Postbode-Ref"), rtoken.Bounce); err != nil || cl.ContactID != contactID || cl.CampaignID != c.ID {
		t.Errorf("X-Postbode-Ref %q: %+v %v", h.Get("X-Postbode-Ref"), cl, err)
	}
	if h.Get("List-Id") != "List a <a.bounce.example.com>" {
		t.Errorf("List-Id = %q", h.Get("List-Id"))
	}
	if h.Get("Feedback-ID") != itoa(c.ID)+":regular:a:postbode" {
		t.Errorf("Feedback-ID = %q", h.Get("Feedback-ID"))
	}
	if to := h.Get("To"); !strings.Contains(to, email("both", 3)) {
		t.Errorf("To = %q", to)
	}
	// The links' paths, not "/o/" anywhere: the DKIM signature's base64
	// may hold that by chance.
	body := string(raw)
	if strings.Contains(body, "pb.example.com/o/") || strings.Contains(body, "pb.example.com/l/") {
		t.Errorf("tracking is off for this campaign but the message has tracking links")
	}
	if !strings.Contains(body, "https://pb.example.com/p/") || !strings.Contains(body, "https://pb.example.com/r/") {
		t.Errorf("footer lacks the update or privacy link")
	}
	// Redis keys are gone once finished: the sender drops the queue right
	// after it records the finished status, so allow it a moment.
	queueGone := func() bool {
		n, _ := f.rdb.Exists(ctx, f.prefix+"{c"+itoa(c.ID)+"}:q").Result()
		return n == 0
	}
	for deadline := time.Now().Add(10 * time.Second); !queueGone() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !queueGone() {
		t.Errorf("queue key left after the campaign finished")
	}
}

// TestTracking: with track_opens and track_clicks the message has the open
// pixel and tracked links (never for the recipient-action links).
func TestTracking(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	f.contacts("t", 2, "confirmed", l)
	c := f.create("Hi", l)
	if _, err := f.svc.Update(ctx, c.ID, campaigns.Input{TrackOpens: ptr(true), TrackClicks: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	f.runScheduler()
	f.runSender(f.svc)
	f.svc.Start(ctx, c.ID)
	f.waitStatus(c.ID, campaigns.StateFinished, 20*time.Second)
	raw, _ := f.sink.message(email("t", 1))
	m, _ := mail.ReadMessage(bytes.NewReader(raw))
	b := new(bytes.Buffer)
	b.ReadFrom(m.Body)
	body := strings.ReplaceAll(b.String(), "=\r\n", "")
	if !strings.Contains(body, "https://pb.example.com/o/") {
		t.Errorf("no open pixel")
	}
	if !strings.Contains(body, "https://pb.example.com/l/") {
		t.Errorf("no tracked click link")
	}
}

// messages returns postbode_messages_total{result} from the fixture's registry.
func messages(f *fixture, result string) float64 {
	mfs, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "postbode_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestHiddenAttributesStayOutOfMails: an attribute key the contact's
// department hides is not rendered in its mail; a key hidden only in
// another department is.
func TestHiddenAttributesStayOutOfMails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	a := f.list("a")
	ids := f.contacts("hid", 3, "confirmed", a)
	if _, err := f.db.Exec(ctx, `UPDATE contacts SET attributes = jsonb_build_object('city', 'Zwolle', 'code', 'SECRET' || id)
		WHERE id = ANY($1)`, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by, department_id)
		SELECT 'code', 'test', department_id FROM contacts WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(ctx, `WITH d AS (INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id)
		INSERT INTO hidden_attributes (key, hidden_by, department_id) SELECT 'city', 'test', d.id FROM d`); err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Create(ctx, campaigns.Input{Name: ptr("Hidden"), Subject: ptr("Nieuws"),
		HTML:     ptr("<p>Hello {{.Contact.Name}} from city-{{.Contact.Attributes.city}}, code-{{.Contact.Attributes.code}}.</p>"),
		FromName: ptr("Nieuwsbrief"), FromEmail: ptr("news@news.example.com"), ListIDs: &[]int64{a}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	f.runScheduler()
	f.runSender(f.svc)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)
	for i := 1; i <= len(ids); i++ {
		raw, _ := f.sink.message(email("hid", i))
		if !bytes.Contains(raw, []byte("city-Zwolle")) {
			t.Errorf("mail %d lacks the visible attribute city", i)
		}
		if bytes.Contains(raw, []byte("SECRET")) {
			t.Errorf("mail %d shows the hidden attribute code", i)
		}
	}
}
