package pages_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

var actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// A page reached through a mail link speaks the campaign's language without
// ?lang=, before the browser's Accept-Language; ?lang= still switches; a
// form posted from the page answers (errors included) in the same language.
func TestPagesSpeakTheCampaignLanguage(t *testing.T) {
	e := newEnv(t, envOpt{})
	l := e.list("news", "single")
	cid := e.contact("anna@example.org", "Anna", nil, l)
	nl := e.campaign("regular", "<p>Hallo</p>", []int64{l}, cid)
	en := e.campaign("regular", "<p>Hello</p>", []int64{l}, cid)
	none := e.campaign("regular", "<p>Hi</p>", []int64{l}, cid)
	if _, err := e.db.Exec(t.Context(), `UPDATE campaigns SET lang = CASE id WHEN $1 THEN 'nl' WHEN $2 THEN 'en' ELSE '' END WHERE id IN ($1, $2, $3)`, nl, en, none); err != nil {
		t.Fatal(err)
	}
	english := map[string]string{"Accept-Language": "en-GB,en;q=0.9"}
	dutch := map[string]string{"Accept-Language": "nl-NL,nl;q=0.9"}
	get := func(path string, hdr map[string]string) resp {
		t.Helper()
		r := e.do(e.client, "GET", path, nil, hdr)
		if r.code != 200 {
			t.Fatalf("GET %s: %d\n%s", path, r.code, r.body)
		}
		return r
	}
	for _, c := range []struct {
		path, want string
	}{
		{e.mint(rtoken.Unsubscribe, cid, nl), "<h1>Afmelden</h1>"},
		{e.mint(rtoken.Update, cid, nl), "Kloppen uw gegevens nog?"},
		{e.mint(rtoken.Privacy, cid, nl), "Uw persoonsgegevens"},
	} {
		r := get(c.path, english)
		if !strings.Contains(r.body, `<html lang="nl">`) || !strings.Contains(r.body, c.want) {
			t.Fatalf("%s of a Dutch campaign, browser in English: not Dutch\n%s", c.path, r.body)
		}
	}
	// The campaign's language before the browser's; no language: the browser's.
	if r := get(e.mint(rtoken.Unsubscribe, cid, en), dutch); !strings.Contains(r.body, `<html lang="en">`) {
		t.Fatalf("English campaign, browser in Dutch: not English\n%s", r.body)
	}
	if r := get(e.mint(rtoken.Unsubscribe, cid, none), dutch); !strings.Contains(r.body, `<html lang="nl">`) {
		t.Fatalf("campaign without a language, browser in Dutch: not Dutch\n%s", r.body)
	}
	if r := get(e.mint(rtoken.Unsubscribe, cid, none), nil); !strings.Contains(r.body, `<html lang="en">`) {
		t.Fatalf("no campaign language, no browser language: not the default\n%s", r.body)
	}
	// ?lang= switches explicitly.
	up := e.mint(rtoken.Update, cid, nl)
	if r := get(up+"?lang=en", dutch); !strings.Contains(r.body, `<html lang="en">`) || !strings.Contains(r.body, "Are your details still correct?") {
		t.Fatalf("?lang=en on a Dutch campaign's page: not English\n%s", r.body)
	}
	// The form of the Dutch page posts back in Dutch: its error is Dutch.
	page := get(up+"?answer=change", english)
	m := actionRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no form on the change page\n%s", page.body)
	}
	r := e.do(e.client, "POST", html.UnescapeString(m[1]), strings.NewReader(url.Values{"csrf": {csrf(t, page.body)}, "answer": {"change"},
		"name": {"Anna\x00"}}.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"})
	if r.code != 422 || !strings.Contains(r.body, "Controleer het veld “Naam”") {
		t.Fatalf("bad name posted from the Dutch page: %d, not a Dutch error\n%s", r.code, r.body)
	}
	// Unsubscribing from the Dutch page confirms in Dutch.
	u := e.mint(rtoken.Unsubscribe, cid, nl)
	page = get(u, english)
	m = actionRE.FindStringSubmatch(page.body)
	r = e.do(e.client, "POST", html.UnescapeString(m[1]), strings.NewReader(url.Values{"csrf": {csrf(t, page.body)}, "scope": {"all"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"})
	if r.code != 200 || !strings.Contains(r.body, "U bent afgemeld") {
		t.Fatalf("unsubscribe from the Dutch page: %d, not Dutch\n%s", r.code, r.body)
	}
	// The neutral page stays the same whatever the token: a valid token of
	// a gone contact answers as a forged one would.
	if _, err := e.db.Exec(t.Context(), `DELETE FROM contacts WHERE id = $1`, cid); err != nil {
		t.Fatal(err)
	}
	gone := e.do(e.client, "GET", e.mint(rtoken.Unsubscribe, cid, nl), nil, english)
	forged := e.do(e.client, "GET", "/u/forged", nil, english)
	if gone.code != 404 || gone.code != forged.code || gone.body != forged.body {
		t.Fatalf("neutral page differs for a gone contact: %d %d\n%s\n---\n%s", gone.code, forged.code, gone.body, forged.body)
	}
}
