package pages_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestClickRecordsTheCampaignLinkNotTheContactsURL: a click on a link with
// merge fields records the link as the campaign wrote it, not the URL it
// became for one contact, so the clicks per link (the campaign's results,
// open to every role that reads campaigns) carry no address or attribute
// value of anyone, and one personalised link counts as one link.
func TestClickRecordsTheCampaignLinkNotTheContactsURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	l := e.list("a", "single")
	jan := e.contact("jan.secret@example.org", "Jan", map[string]any{"city": "Zwolle"}, l)
	kim := e.contact("kim.secret@example.org", "Kim", map[string]any{"city": "Delft"}, l)
	camp := e.campaign("regular", `<p><a href="https://shop.example/login?e={{.Contact.Email}}&amp;c={{attr "city"}}">shop</a>
		<a href="https://example.org/fixed">fixed</a></p>`, []int64{l}, jan, kim)
	for _, c := range []struct {
		id     int64
		target string
	}{{jan, "https://shop.example/login?e=jan.secret%40example.org&c=Zwolle"},
		{kim, "https://shop.example/login?e=kim.secret%40example.org&c=Delft"},
		{kim, "https://example.org/fixed"}} {
		r := e.get(e.mint(rtoken.Click, c.id, camp) + "?u=" + url.QueryEscape(c.target))
		if r.code != 302 || r.hdr.Get("Location") != c.target {
			t.Fatalf("click %s: %d %q", c.target, r.code, r.hdr.Get("Location"))
		}
	}
	e.flush()
	links, err := e.store.LinkClicks(context.Background(), camp)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	for _, lc := range links {
		got[lc.URL] = [2]int64{lc.Clicks, lc.Unique}
		for _, secret := range []string{"secret", "Zwolle", "Delft"} {
			if strings.Contains(lc.URL, secret) {
				t.Errorf("clicks per link show a contact's data: %q", lc.URL)
			}
		}
	}
	if len(got) != 2 || got["https://shop.example/login?e={{}}&c={{}}"] != [2]int64{2, 2} || got["https://example.org/fixed"] != [2]int64{1, 1} {
		t.Fatalf("clicks per link: %v", got)
	}
	var n int64
	if err := e.db.QueryRow(context.Background(), `SELECT count(*) FROM recipient_actions WHERE detail LIKE '%secret%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("click actions holding an address: %d %v", n, err)
	}
}
