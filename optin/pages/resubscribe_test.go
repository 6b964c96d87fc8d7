package pages_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestFormDoesNotOverturnAnOptOut: anyone may type an address into a
// subscribe form. On a single opt-in list that subscribes a new address at
// once, but a contact who left the list did so themselves: the form does not
// put them back without proof from their mailbox. The subscription waits
// unconfirmed and a confirmation mail goes out; its link confirms it. A
// second form for the same address does not confirm it either. The page is
// the one every address gets (it reveals nothing). Before, a stranger's form
// made the opt-out confirmed again at once.
func TestFormDoesNotOverturnAnOptOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	list := e.list("open", "single")
	cid := e.contact("jan@example.org", "Jan", nil, list)
	camp := e.campaign("regular", "<p>x</p>", []int64{list}, cid)
	r := e.do(e.newClient(), "POST", e.mint(rtoken.Unsubscribe, cid, camp), strings.NewReader("List-Unsubscribe=One-Click"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.code != 200 || e.subStatus(cid, list) != "unsubscribed" {
		t.Fatalf("one-click: %d, status %s", r.code, e.subStatus(cid, list))
	}
	subscribe := func(email string) string {
		tok := e.getForm("/s/open")
		r := e.post("/s/open", url.Values{"csrf": {tok}, "email": {email}, "consent": {"yes"}})
		if r.code != 200 {
			t.Fatalf("%s: %d", email, r.code)
		}
		e.srv.Wait()
		return r.body
	}
	if a, b := subscribe("jan@example.org"), subscribe("new@example.org"); a != b {
		t.Error("the page differs between an address that left the list and a new one")
	}
	if got := e.subStatus(cid, list); got != "unconfirmed" {
		t.Fatalf("after a stranger's form: %s, want unconfirmed (waiting for Jan's confirmation)", got)
	}
	m := e.smtp.wait(t)
	if to := m.Header.Get("To"); !strings.Contains(to, "jan@example.org") {
		t.Fatalf("confirmation mail to %q", to)
	}
	subscribe("jan@example.org")
	if got := e.subStatus(cid, list); got != "unconfirmed" {
		t.Fatalf("after a second form: %s, want unconfirmed", got)
	}
	link := regexp.MustCompile(`/c/[A-Za-z0-9_.-]+`).FindString(textPart(t, m))
	if link == "" {
		t.Fatalf("no confirmation link in %q", textPart(t, m))
	}
	tok := e.getForm(link)
	if r := e.post(link, url.Values{"csrf": {tok}}); r.code != 200 {
		t.Fatalf("confirm: %d", r.code)
	}
	if got := e.subStatus(cid, list); got != "confirmed" {
		t.Fatalf("after Jan's confirmation: %s, want confirmed", got)
	}
	if id := e.scalar(`SELECT id FROM contacts WHERE email = 'new@example.org'`).(int64); e.subStatus(id, list) != "confirmed" {
		t.Error("a new address on a single opt-in list is no longer subscribed at once")
	}
}
