package pages_test

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/postbode/postbode/optin/pages"
	"github.com/postbode/postbode/privacy"
)

// TestPrivacyVerifiedLoggedOnce: posting a verification link (/q) records
// the request and logs privacy-verified once; posting the same link again
// (a reload, a second click) changes nothing and logs nothing more.
func TestPrivacyVerifiedLoggedOnce(t *testing.T) {
	e := newEnv(t, envOpt{privacy: func(e *env) pages.PrivacyRequests {
		return privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Mailer: privacyMailer{&smtpSender{addr: e.smtp.addr}},
			Tokens: e.keys, BaseURL: "http://public.test"})
	}})
	cid := e.contact("zoe@example.net", "Zoë", nil)
	if r := e.post("/privacy", url.Values{"csrf": {e.getForm("/privacy")}, "email": {"zoe@example.net"}, "kind": {"access"}}); r.code != 200 {
		t.Fatalf("request: %d\n%s", r.code, r.body)
	}
	link := regexp.MustCompile(`http://public\.test(/q/[A-Za-z0-9_\-.=]+)`).FindStringSubmatch(textPart(t, e.smtp.wait(t)))
	if link == nil {
		t.Fatal("no verification link in the mail")
	}
	for i := range 3 {
		if r := e.post(link[1], url.Values{"csrf": {e.getForm(link[1])}}); r.code != 200 {
			t.Fatalf("verify #%d: %d\n%s", i+1, r.code, r.body)
		}
	}
	e.flush()
	if n := e.scalar(`SELECT count(*) FROM privacy_requests WHERE contact_id = $1`, cid).(int64); n != 1 {
		t.Errorf("%d requests recorded, want 1", n)
	}
	if n := e.scalar(`SELECT count(*) FROM recipient_actions WHERE contact_id = $1 AND action = 'privacy-verified'`, cid).(int64); n != 1 {
		t.Errorf("privacy-verified logged %d times for one request, want once", n)
	}
}
