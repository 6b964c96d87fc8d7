package console

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// spoofName reads "Invoice" and "exe.pdf" on screen: U+202E turns the rest
// of the line right to left.
const spoofName = "Invoice\u202efdp.exe"

// TestConsoleRefusesNamesThatSpoofAReader: every console form that takes a
// name (contact, list, campaign, the department and its sender's name, an
// invitation) refuses one holding a text direction control or another
// invisible format character with 422 naming the field, in English and in
// Dutch, and stores nothing.
func TestConsoleRefusesNamesThatSpoofAReader(t *testing.T) {
	e := newAdminEnv(t)
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		what, path, field string
		form              url.Values
	}{
		{"contact", "/console/contacts", "name", url.Values{"email": {"mo@example.org"}, "name": {spoofName}}},
		{"list", "/console/lists", "name", url.Values{"slug": {"spoof"}, "name": {spoofName}, "purpose": {"p"}, "optin": {"single"}}},
		{"campaign", "/console/campaigns", "name", url.Values{"name": {spoofName}, "subject": {"Hello"}, "from_email": {"news@example.org"},
			"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi</p>"}}},
		{"campaign sender", "/console/campaigns", "from_name", url.Values{"name": {"Fine"}, "subject": {"Hello"}, "from_email": {"news@example.org"},
			"from_name": {"News\u2066Team"}, "lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi</p>"}}},
		{"department", "/console/admin/department", "name", url.Values{"name": {"Sales\u200f"}}},
		{"department sender", "/console/admin/department", "org_name", url.Values{"name": {"Sales"}, "org_name": {"\u061cAcme"}}},
	}
	for _, lang := range []string{"en", "nl"} {
		if lang == "nl" {
			wantStatus(t, "language", e.post("/console/language", url.Values{"lang": {"nl"}}), http.StatusSeeOther)
		}
		msg := tr(lang, "msg:must not contain invisible formatting characters or text direction controls")
		for _, c := range cases {
			body := html.UnescapeString(wantStatus(t, c.what, e.post(c.path, c.form), http.StatusUnprocessableEntity))
			if !strings.Contains(body, `id="`+c.field+`-error"`) || !strings.Contains(body, msg) {
				t.Errorf("%s (%s): the field %s is not named with %q:\n%.3000s", c.what, lang, c.field, msg, body)
			}
		}
		body := html.UnescapeString(wantStatus(t, "invitation", e.post("/console/admin/people",
			url.Values{"email": {"ivy@example.org"}, "name": {spoofName}, "role": {"viewer"}}), http.StatusUnprocessableEntity))
		if !strings.Contains(body, `id="invite-name-error"`) || !strings.Contains(body, msg) {
			t.Errorf("invitation (%s): the field is not named:\n%.3000s", lang, body)
		}
	}
	var n int
	e.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM contacts WHERE name LIKE '%'||chr(8238)||'%')
		+ (SELECT count(*) FROM lists WHERE slug = 'spoof') + (SELECT count(*) FROM campaigns WHERE name IN ($1, 'Fine'))
		+ (SELECT count(*) FROM departments WHERE name LIKE 'Sales%') + (SELECT count(*) FROM invitations)`, spoofName).Scan(&n)
	if n != 0 {
		t.Fatalf("%d refused names were stored", n)
	}
}
