package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleInviteTextsForPeople: the invitation mail gives the link's
// lifetime in words, and the password page says what the address rule
// is (the part before the @), in English and in Dutch.
func TestConsoleInviteTextsForPeople(t *testing.T) {
	box := &outbox{}
	e := newLinkEnv(t, box)
	w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"}, "password": {"a long and quiet harbour 42"}}, "")
	admin := sessionCookie(w)
	m := csrfRe.FindStringSubmatch(e.do("GET", "/console/admin", nil, admin).Body.String())
	if m == nil {
		t.Fatal("no CSRF token on the admin screen")
	}
	if w = e.do("POST", "/console/admin/people", url.Values{"csrf": {m[1]}, "email": {"mark@example.org"}, "role": {"marketer"}}, admin); w.Code != http.StatusSeeOther && w.Code != http.StatusOK {
		t.Fatalf("invite: %d", w.Code)
	}
	mail := box.all()
	if !strings.Contains(mail, "the link works once, for 3 days)") {
		t.Fatalf("invitation mail does not give the lifetime in words:\n%s", mail)
	}
	link := linkRe.FindStringSubmatch(mail)
	if link == nil {
		t.Fatalf("no link in the mail:\n%s", mail)
	}
	tok := tokenRe.FindStringSubmatch(e.do("GET", link[1], nil, "").Body.String())
	if tok == nil {
		t.Fatal("invitation page has no token")
	}
	for lang, want := range map[string][]string{
		"en": {"must not contain the part of your address before the @", "not the part of your address before the @"},
		"nl": {"mag niet het deel van uw adres vóór de @ bevatten", "niet het deel van uw adres vóór de @"},
	} {
		pw := "mark has a long passphrase"
		form := url.Values{"token": {tok[1]}, "password": {pw}, "confirm": {pw}}
		w := e.do("POST", "/console/invite?lang="+lang, form, "")
		body := wantStatus(t, lang, w, http.StatusUnprocessableEntity)
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the password page lacks %q\n%.2000s", lang, s, body)
			}
		}
	}
}
