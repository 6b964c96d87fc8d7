package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestConsoleInviteExistingAccount: inviting an address that has an
// account in another department shows the administrator the same page as
// a new invitation (the link to pass on); the link opens a page to join
// with the account's own password, which adds the membership.
func TestConsoleInviteExistingAccount(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := context.Background()
	pw := "a long and quiet harbour 42"
	ext, err := e.st.CreateActive(ctx, staff.NewPerson{Email: "ext@example.org", Name: "Ext", DepartmentSlug: "north",
		Role: "viewer", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.consoleLogin("admin@example.org", pw, "")
	code, body := e.post("/console/admin/people", url.Values{"email": {"ext@example.org"}, "role": {"marketer"}}, admin)
	link := linkRe.FindStringSubmatch(body)
	if code != http.StatusOK || link == nil {
		t.Fatalf("invite an account of another department: %d, no link shown\n%.1500s", code, body)
	}
	w := e.do("GET", strings.ReplaceAll(link[1], "&amp;", "&"), nil, "")
	tok := tokenRe.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || tok == nil || !strings.Contains(w.Body.String(), "enter its password to join") ||
		strings.Contains(w.Body.String(), `name="confirm"`) {
		t.Fatalf("join page: %d\n%.1500s", w.Code, w.Body)
	}
	form := url.Values{"token": {tok[1]}, "password": {"not the password at all"}}
	if w = e.do("POST", "/console/invite", form, ""); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="password-error"`) {
		t.Fatalf("join with a wrong password: %d\n%.1500s", w.Code, w.Body)
	}
	form.Set("password", pw)
	if w = e.do("POST", "/console/invite", form, ""); w.Code != http.StatusSeeOther {
		t.Fatalf("join: %d\n%.1500s", w.Code, w.Body)
	}
	if p, _ := e.st.Get(ctx, ext.ID); len(p.Memberships) != 2 {
		t.Fatalf("after joining: %+v", p.Memberships)
	}
	e.consoleLogin("ext@example.org", pw, "")
}
