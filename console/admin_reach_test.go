package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestConsoleInvitationActionsStayWithinReach: on the Admin screen a
// department lead (users.manage without everything) sees Send again and
// Revoke on an invitation to a role they may give, and neither on one to
// the administrator role, marked as offering a permission they lack;
// posting those anyway is refused (403) and the invitation stays as it
// was. The administrator sees and may use both.
func TestConsoleInvitationActionsStayWithinReach(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := e.st.SaveRole(ctx, "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	_, leeCookie := e.login("lee@example.org", access.DefaultDepartment, "lead")
	low, _, err := e.st.Invite(ctx, staff.NewPerson{Email: "low@example.org", DepartmentID: access.DefaultDepartment, Role: access.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	high, _, err := e.st.Invite(ctx, staff.NewPerson{Email: "high@example.org", DepartmentID: access.DefaultDepartment, Role: access.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	action := func(v staff.Invitation, what string) string {
		return `action="/console/admin/invitations/` + v.ID + `/` + what + `"`
	}
	body := wantStatus(t, "admin screen as the lead", e.send("GET", "/console/admin", nil, leeCookie), http.StatusOK)
	for _, want := range []string{action(low, "resend"), action(low, "revoke"), "Offers a permission you lack"} {
		if !strings.Contains(body, want) {
			t.Errorf("the lead's Admin screen lacks %s", want)
		}
	}
	for _, unwanted := range []string{action(high, "resend"), action(high, "revoke")} {
		if strings.Contains(body, unwanted) {
			t.Errorf("the lead's Admin screen offers %s, which the service refuses them", unwanted)
		}
	}
	leeCSRF := e.csrfOf(leeCookie)
	for _, what := range []string{"resend", "revoke"} {
		wantStatus(t, "lead posts "+what, e.send("POST", "/console/admin/invitations/"+high.ID+"/"+what,
			url.Values{"csrf": {leeCSRF}}, leeCookie), http.StatusForbidden)
	}
	if v, err := e.st.Invitation(ctx, access.DefaultDepartment, high.ID); err != nil || v.Status != staff.InvitationPending || !v.SentAt.Equal(high.SentAt) {
		t.Errorf("the administrator invitation after the lead's refused posts: %+v %v", v, err)
	}

	body = wantStatus(t, "admin screen as the administrator", e.get("/console/admin"), http.StatusOK)
	for _, want := range []string{action(low, "resend"), action(low, "revoke"), action(high, "resend"), action(high, "revoke")} {
		if !strings.Contains(body, want) {
			t.Errorf("the administrator's Admin screen lacks %s", want)
		}
	}
	if strings.Contains(body, "Offers a permission you lack") {
		t.Error("the administrator's Admin screen marks an invitation as beyond them")
	}
	wantStatus(t, "administrator revokes", e.post("/console/admin/invitations/"+high.ID+"/revoke", url.Values{}), http.StatusSeeOther)
}

// TestConsoleAdminPeoplePaged: the Admin screen lists the department's
// people a page at a time; the next-page link leads through all of them,
// each once, and the last page has none.
func TestConsoleAdminPeoplePaged(t *testing.T) {
	e := newAdminEnv(t)
	for i := range 4 {
		e.login(fmt.Sprintf("p%d@example.org", i), access.DefaultDepartment, access.RoleViewer)
	}
	all, err := e.st.List(context.Background(), access.DefaultDepartment, 0, 1000)
	if err != nil || len(all) < 5 {
		t.Fatalf("people: %d %v", len(all), err)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	seen := map[string]int{}
	path, pages := "/console/admin?limit=2", 0
	for path != "" && pages <= len(all) {
		body := wantStatus(t, "admin screen "+path, e.get(path), http.StatusOK)
		people := body[:strings.Index(body, `<h3>`)]
		n := 0
		for _, p := range all {
			if strings.Contains(people, "<td>"+p.Email+"</td>") {
				seen[p.Email]++
				n++
			}
		}
		if n == 0 || n > 2 {
			t.Fatalf("page %d (%s) lists %d people", pages, path, n)
		}
		pages++
		path = ""
		if m := next.FindStringSubmatch(people); m != nil {
			path = html.UnescapeString(m[1]) + "&limit=2" // the link keeps filters, not the page size
			if !strings.HasPrefix(path, "/console/admin?cursor=") {
				t.Fatalf("next-page link %q", path)
			}
		}
	}
	if want := (len(all) + 1) / 2; pages != want || len(seen) != len(all) {
		t.Fatalf("%d pages, want %d; seen %v", pages, want, seen)
	}
	for email, n := range seen {
		if n != 1 {
			t.Errorf("%s listed on %d pages", email, n)
		}
	}
}
