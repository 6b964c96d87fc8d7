package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestConsoleInviteExistingAccount: inviting an address that has an
// account in another department shows the administrator the same page as
// a new invitation (the link to pass on), and the admin screen lists both
// alike as open invitations, not as people; the link opens a page to join
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
	freshCode, freshBody := e.post("/console/admin/people", url.Values{"email": {"new@example.org"}, "role": {"marketer"}}, admin)
	norm := regexp.MustCompile(`token=[^\s"<]+|(ext|new)@example\.org|name="csrf" value="[^"]+"`)
	if freshCode != code || norm.ReplaceAllString(freshBody, "X") != norm.ReplaceAllString(body, "X") {
		t.Fatalf("the pages differ:\n%s\n---\n%s", body, freshBody)
	}
	screen := e.do("GET", "/console/admin", nil, admin).Body.String()
	people := screen[:strings.Index(screen, `<h3>`)]
	if strings.Contains(people, "ext@example.org") || strings.Contains(people, "new@example.org") ||
		strings.Count(screen, `/resend"`) != 2 || strings.Count(screen, `/revoke"`) != 2 {
		t.Fatalf("the admin screen does not list both as open invitations only:\n%s", screen)
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

// TestConsoleInvitationRevokeAndResend: the admin screen's buttons send an
// open invitation again (no mailer: the new link is shown, the old one
// stops working) and revoke it (its link stops working, it leaves the
// list); another department's invitation is not found.
func TestConsoleInvitationRevokeAndResend(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := context.Background()
	pw := "a long and quiet harbour 42"
	admin := e.consoleLogin("admin@example.org", pw, "")
	_, old, err := e.st.Invite(ctx, staff.NewPerson{Email: "ivy@example.org", DepartmentID: 1, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.st.Invitations(ctx, 1, 0, 100)
	if err != nil || len(vs) != 1 {
		t.Fatalf("invitations: %+v %v", vs, err)
	}
	id := vs[0].ID
	screen := e.do("GET", "/console/admin", nil, admin).Body.String()
	if !strings.Contains(screen, `action="/console/admin/invitations/`+id+`/resend"`) || !strings.Contains(screen, "ivy@example.org") {
		t.Fatalf("the admin screen does not offer to send the invitation again:\n%s", screen)
	}
	code, body := e.post("/console/admin/invitations/"+id+"/resend", url.Values{}, admin)
	link := linkRe.FindStringSubmatch(body)
	if code != http.StatusOK || link == nil || strings.Contains(link[1], url.QueryEscape(old)) {
		t.Fatalf("send again: %d\n%.1500s", code, body)
	}
	if _, ok := e.st.InvitationByLink(ctx, old); ok {
		t.Fatal("the old link still opens after the invitation was sent again")
	}
	code, body = e.post("/console/admin/invitations/"+id+"/revoke", url.Values{}, admin)
	if code != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%.1500s", code, body)
	}
	w := e.do("GET", strings.ReplaceAll(link[1], "&amp;", "&"), nil, "")
	if tokenRe.FindStringSubmatch(w.Body.String()) != nil && strings.Contains(w.Body.String(), "enter its password") {
		t.Fatalf("a revoked invitation's page offers to join:\n%.1500s", w.Body)
	}
	tok := strings.TrimPrefix(strings.ReplaceAll(link[1], "&amp;", "&"), staff.InvitePath+"?token=")
	if w = e.do("POST", "/console/invite", url.Values{"token": {tok}, "password": {"a brand new passphrase 7"},
		"confirm": {"a brand new passphrase 7"}}, ""); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("accept a revoked invitation: %d\n%.1500s", w.Code, w.Body)
	}
	if strings.Contains(e.do("GET", "/console/admin", nil, admin).Body.String(), "ivy@example.org") {
		t.Fatal("a revoked invitation is still listed")
	}
	// Another department's invitation is not found.
	d, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "north", Name: "North"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := e.st.Invite(ctx, staff.NewPerson{Email: "olga@example.org", DepartmentID: d.ID, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"resend", "revoke"} {
		if code, body := e.post("/console/admin/invitations/"+other.ID+"/"+action, url.Values{}, admin); code != http.StatusNotFound {
			t.Fatalf("%s another department's invitation: %d\n%.800s", action, code, body)
		}
	}
	if got, _ := e.st.Invitation(ctx, d.ID, other.ID); got.Status != staff.InvitationPending || !got.SentAt.Equal(got.CreatedAt) {
		t.Fatalf("another department's invitation changed: %+v", got)
	}
}
