package pages_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin/pages"
	"github.com/postbode/postbode/privacy"
)

// A User-Agent is whatever the client sends: bytes that are not UTF-8 (Go's
// server lets them through) or a long one whose cut falls inside a
// character. Postgres refuses such text, so before it was cleaned a
// one-click unsubscribe with one answered 503 and left the recipient
// subscribed, a subscribe form lost its consent while the page said
// "subscribed", and an open with one lost the action-log batch it was
// copied in, the other recipients' actions with it.
func TestUserAgentNotUTF8(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	bad := map[string]string{"User-Agent": "Mail \xff\xfe client"}
	long := map[string]string{"User-Agent": strings.Repeat("a", 999) + "é"} // cut at 1000 bytes: inside é

	cid := e.contact("jan@example.org", "Jan", nil, l)
	lot := e.contact("lot@example.org", "Lot", nil, l)
	camp := e.campaign("regular", "<p>x</p>", []int64{l}, cid, lot)
	for who, hdr := range map[int64]map[string]string{cid: bad, lot: long} {
		r := e.do(e.newClient(), "POST", e.mint(rtoken.Unsubscribe, who, camp), strings.NewReader("List-Unsubscribe=One-Click"),
			map[string]string{"User-Agent": hdr["User-Agent"], "Content-Type": "application/x-www-form-urlencoded"})
		if r.code != 200 || e.subStatus(who, l) != "unsubscribed" {
			t.Fatalf("one-click with User-Agent %.12q: %d, subscription %s\n%s", hdr["User-Agent"], r.code, e.subStatus(who, l), r.body)
		}
	}
	if ua := e.scalar(`SELECT user_agent FROM consent_records WHERE contact_id = $1 AND source = 'one-click'`, cid).(string); ua != "Mail \uFFFD client" {
		t.Errorf("consent record keeps User-Agent %q", ua)
	}

	// The subscribe form: the page says subscribed, so the subscription must be there.
	c := e.newClient()
	r := e.do(c, "GET", "/s/a", nil, bad)
	form := url.Values{"csrf": {csrf(t, r.body)}, "email": {"piet@example.org"}, "consent": {"yes"}}
	r = e.do(c, "POST", "/s/a", strings.NewReader(form.Encode()), map[string]string{"User-Agent": bad["User-Agent"], "Content-Type": "application/x-www-form-urlencoded"})
	e.srv.Wait()
	if r.code != 200 || e.scalar(`SELECT count(*) FROM subscriptions s JOIN contacts c ON c.id = s.contact_id
		WHERE c.email = 'piet@example.org' AND s.status = 'confirmed'`).(int64) != 1 {
		t.Fatalf("subscribe form with a User-Agent that is not UTF-8: %d, no subscription recorded", r.code)
	}

	// Opens of two recipients in one batch of the action log: the odd one
	// must not lose the other's.
	other := e.contact("kim@example.org", "Kim", nil, l)
	camp2 := e.campaign("regular", "<p>y</p>", []int64{l}, cid, other)
	e.do(e.newClient(), "GET", e.mint(rtoken.Open, cid, camp2), nil, long)
	e.do(e.newClient(), "GET", e.mint(rtoken.Open, other, camp2), nil, nil)
	e.flush()
	if n := e.scalar(`SELECT count(*) FROM recipient_actions WHERE campaign_id = $1 AND action = 'open'`, camp2).(int64); n != 2 {
		t.Fatalf("%d opens in the action log, want 2", n)
	}
	ua := e.scalar(`SELECT user_agent FROM recipient_actions WHERE contact_id = $1 AND campaign_id = $2`, cid, camp2).(string)
	if !utf8.ValidString(ua) || len(ua) != 999 {
		t.Errorf("action log keeps a User-Agent of %d bytes, valid UTF-8 %v", len(ua), utf8.ValidString(ua))
	}
}

// The same for the pages that record a privacy request or a change of
// details with the visitor's agent.
func TestUserAgentNotUTF8OnRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{privacy: func(e *env) pages.PrivacyRequests {
		return privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Mailer: privacyMailer{&smtpSender{addr: e.smtp.addr}},
			Tokens: e.keys, BaseURL: "http://public.test"})
	}})
	l := e.list("a", "single")
	cid := e.contact("zoe@example.net", "Zoë", nil, l)
	camp := e.campaign("regular", "<p>x</p>", []int64{l}, cid)
	ua := strings.Repeat("a", 999) + "é"
	for _, f := range []struct {
		path  string
		form  url.Values
		table string
	}{
		{e.mint(rtoken.Privacy, cid, camp), url.Values{"kind": {"access"}}, "privacy_requests"},
		{e.mint(rtoken.Update, cid, camp) + "?answer=change", url.Values{"answer": {"change"}, "name": {"Zoë B"}}, "change_requests"},
	} {
		c := e.newClient()
		r := e.do(c, "GET", f.path, nil, map[string]string{"User-Agent": ua})
		f.form.Set("csrf", csrf(t, r.body))
		path, _, _ := strings.Cut(f.path, "?")
		r = e.do(c, "POST", path, strings.NewReader(f.form.Encode()), map[string]string{"User-Agent": ua, "Content-Type": "application/x-www-form-urlencoded"})
		if r.code != 200 {
			t.Fatalf("POST %s with a long User-Agent: %d\n%s", f.table, r.code, r.body)
		}
		if got := e.scalar(`SELECT user_agent FROM `+f.table+` WHERE contact_id = $1`, cid).(string); got != strings.Repeat("a", 999) {
			t.Errorf("%s keeps a User-Agent of %d bytes", f.table, len(got))
		}
	}
}
