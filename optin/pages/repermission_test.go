package pages_test

import (
	"context"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/optin"
)

// oldSubscriber creates a contact confirmed on the list since (and with its
// opt-in recorded) 25 months ago.
func (e *env) oldSubscriber(email string, list int64) int64 {
	e.t.Helper()
	id := e.contact(email, "", nil)
	ctx := context.Background()
	if _, err := e.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status, created_at, updated_at)
		VALUES ($1, $2, 'confirmed', now() - interval '25 months', now() - interval '25 months')`, id, list); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO consent_records (contact_id, list_id, action, source, created_at)
		VALUES ($1, $2, 'opt-in', 'api', now() - interval '25 months')`, id, list); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) repermit() (asked, lapsed int) {
	e.t.Helper()
	asked, lapsed, err := e.rcp.RunRepermission(context.Background(), 100, e.srv.SendRepermission)
	if err != nil {
		e.t.Fatal(err)
	}
	return asked, lapsed
}

func (e *env) consents(contactID, listID int64, action string) int64 {
	e.t.Helper()
	return e.scalar(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND list_id = $2 AND action = $3`,
		contactID, listID, action).(int64)
}

func (e *env) mailsTo(addr string) int {
	e.smtp.mu.Lock()
	defer e.smtp.mu.Unlock()
	n := 0
	for _, m := range e.smtp.msgs {
		if strings.Contains(m.Header.Get("To"), addr) {
			n++
		}
	}
	return n
}

var confirmLinkRE = regexp.MustCompile(`http://public\.test(/c/[^?\s]+)`)

func TestRepermission(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := context.Background()
	news, plain := e.list("news", "single"), e.list("plain", "single")
	months := 24
	if _, err := e.store.UpdateList(ctx, news, optin.ListInput{RepermissionMonths: &months}); err != nil {
		t.Fatal(err)
	}
	bad := 121
	if _, err := e.store.UpdateList(ctx, news, optin.ListInput{RepermissionMonths: &bad}); err == nil || !strings.Contains(err.Error(), "repermission_months") {
		t.Fatalf("repermission_months 121: %v", err)
	}
	due := e.oldSubscriber("due@example.org", news)
	lapse := e.oldSubscriber("lapse@example.org", news)
	engaged := e.oldSubscriber("engaged@example.org", news)
	e.db.Exec(ctx, `UPDATE contacts SET last_engaged_at = now() - interval '2 months' WHERE id = $1`, engaged)
	blocked := e.oldSubscriber("blocked@example.org", news)
	if err := e.cs.BlockAddress(ctx, "blocked@example.org", "manual", ""); err != nil {
		t.Fatal(err)
	}
	fresh := e.contact("fresh@example.org", "", nil, news)
	untouched := e.oldSubscriber("plain@example.org", plain)

	// One mail for each subscription past the period; the pass again sends none.
	if asked, lapsed := e.repermit(); asked != 2 || lapsed != 0 {
		t.Fatalf("first pass: asked %d lapsed %d, want 2 and 0", asked, lapsed)
	}
	if asked, _ := e.repermit(); asked != 0 {
		t.Fatalf("second pass asked %d again", asked)
	}
	for addr, want := range map[string]int{"due@": 1, "lapse@": 1, "engaged@": 0, "blocked@": 0, "fresh@": 0, "plain@": 0} {
		if got := e.mailsTo(addr); got != want {
			t.Errorf("mails to %s: %d, want %d", addr, got, want)
		}
	}
	for _, c := range []int64{due, lapse} {
		if n := e.consents(c, news, "repermission-asked"); n != 1 {
			t.Errorf("contact %d: %d repermission-asked records, want 1", c, n)
		}
	}
	for _, c := range []int64{engaged, blocked, fresh} {
		if n := e.consents(c, news, "repermission-asked"); n != 0 {
			t.Errorf("contact %d asked though not due", c)
		}
	}
	if n := e.consents(untouched, plain, "repermission-asked"); n != 0 || e.subStatus(untouched, plain) != "confirmed" {
		t.Errorf("list without a period touched: %d asked, status %s", n, e.subStatus(untouched, plain))
	}

	// Confirming through the link in the mail restarts the period.
	var link string
	e.smtp.mu.Lock()
	for _, m := range e.smtp.msgs {
		if strings.Contains(m.Header.Get("To"), "due@") {
			if got := confirmLinkRE.FindStringSubmatch(textPart(t, m)); got != nil {
				link = got[1]
			}
		}
	}
	e.smtp.mu.Unlock()
	if link == "" {
		t.Fatal("no confirm link in the re-permission mail")
	}
	r := e.post(link, url.Values{"csrf": {e.getForm(link)}})
	if r.code != 200 {
		t.Fatalf("confirm: %d %s", r.code, r.body)
	}
	if n := e.consents(due, news, "repermission-confirmed"); n != 1 {
		t.Fatalf("%d repermission-confirmed records, want 1", n)
	}
	if v := e.scalar(`SELECT repermission_asked_at IS NULL FROM subscriptions WHERE contact_id = $1 AND list_id = $2`, due, news); v != true {
		t.Fatal("confirmed subscription still marked asked")
	}

	// Past the grace period the unconfirmed one leaves its last list.
	e.db.Exec(ctx, `UPDATE subscriptions SET repermission_asked_at = now() - interval '31 days' WHERE repermission_asked_at IS NOT NULL AND contact_id = ANY($1)`, []int64{due, lapse})
	if asked, lapsed := e.repermit(); asked != 0 || lapsed != 1 {
		t.Fatalf("grace pass: asked %d lapsed %d, want 0 and 1", asked, lapsed)
	}
	if e.subStatus(lapse, news) != "unsubscribed" || e.consents(lapse, news, "repermission-lapsed") != 1 {
		t.Fatalf("lapsed: status %s, %d lapsed records", e.subStatus(lapse, news), e.consents(lapse, news, "repermission-lapsed"))
	}
	if v := e.scalar(`SELECT one_star_since IS NOT NULL FROM contacts WHERE id = $1`, lapse); v != true {
		t.Fatal("lapsed contact on no list is not one-star")
	}
	if e.subStatus(due, news) != "confirmed" || e.mailsTo("due@") != 1 {
		t.Fatalf("confirmed contact: status %s, %d mails", e.subStatus(due, news), e.mailsTo("due@"))
	}
}

// TestRepermissionSpeaksTheContactsLanguage: the re-permission mail is in
// the contact's language (optin.Recipients.ContactLang): the newest
// campaign's they were mailed, else the subscribe form's they joined
// through, else the default; its confirm link opens the page in it.
func TestRepermissionSpeaksTheContactsLanguage(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := context.Background()
	news := e.list("news", "single")
	months := 24
	if _, err := e.store.UpdateList(ctx, news, optin.ListInput{RepermissionMonths: &months}); err != nil {
		t.Fatal(err)
	}
	mailed := e.oldSubscriber("mailed@example.org", news)
	form := e.oldSubscriber("form@example.org", news)
	both := e.oldSubscriber("both@example.org", news)
	e.oldSubscriber("plain@example.org", news)
	nl := e.campaign("regular", "<p>Hallo</p>", []int64{news}, mailed)
	en := e.campaign("regular", "<p>Hello</p>", []int64{news}, both)
	if _, err := e.db.Exec(ctx, `UPDATE campaigns SET lang = CASE id WHEN $1 THEN 'nl' ELSE 'en' END WHERE id IN ($1, $2)`, nl, en); err != nil {
		t.Fatal(err)
	}
	for _, c := range []int64{form, both} {
		if _, err := e.db.Exec(ctx, `INSERT INTO consent_records (contact_id, list_id, action, source, evidence, created_at)
			VALUES ($1, $2, 'opt-in', 'webform', 'subscribe-form/nl/0a1b2c3d4e5f: Ik wil de nieuwsbrief.', now() - interval '25 months')`, c, news); err != nil {
			t.Fatal(err)
		}
	}
	if asked, _ := e.repermit(); asked != 4 {
		t.Fatalf("asked %d, want 4", asked)
	}
	want := map[string]string{"mailed@": "Wilt u List news nog ontvangen?", "form@": "Wilt u List news nog ontvangen?",
		"both@": "Do you still want to receive List news?", "plain@": "Do you still want to receive List news?"}
	e.smtp.mu.Lock()
	defer e.smtp.mu.Unlock()
	seen := 0
	for _, m := range e.smtp.msgs {
		for addr, subject := range want {
			if !strings.Contains(m.Header.Get("To"), addr) {
				continue
			}
			seen++
			got, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if got != subject {
				t.Errorf("the re-permission mail to %s: subject %q, want %q", addr, got, subject)
			}
			lang := "lang=en"
			if strings.HasPrefix(subject, "Wilt") {
				lang = "lang=nl"
			}
			if !strings.Contains(textPart(t, m), lang) {
				t.Errorf("the confirm link to %s does not open the page in its language (%s)", addr, lang)
			}
		}
	}
	if seen != 4 {
		t.Errorf("%d re-permission mails, want 4", seen)
	}
}
