package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

// The administration screens in a real browser: an administrator creates a
// custom role with the permission checkboxes (a bad name and no
// permission come back naming both fields), gives a person that role, and
// the person then may compose campaigns but not administer; the
// administrator edits the department's identity (a bad colour is named),
// previews the house style in the sandboxed frame without saving, and
// saves it. Screens are checked with axe-core and photographed for the
// README (POSTBODE_SCREENSHOTS=dir).
func TestConsoleBrowserAdmin(t *testing.T) {
	_, dbURL := testenv.DBWithURL(t)
	d := startDaemon(t, "api", "POSTBODE_DATABASE_URL="+dbURL)
	pool, err := db.Open(context.Background(), dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	fx := &staffFixture{t: t, svc: staff.New(pool, e2eKey, staff.Options{}), cs: contacts.NewStore(pool, e2eKey, 3)}
	adminCode := fx.person("ada@example.org", access.DefaultDepartment, access.RoleAdmin)
	casCode := fx.person("cas@example.org", access.DefaultDepartment, access.RoleViewer)
	inDefault := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := fx.svc.SaveRole(inDefault, "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	leeCode := fx.person("lee@example.org", access.DefaultDepartment, "lead")
	var invited []staff.Invitation
	for _, n := range []staff.NewPerson{{Email: "low@example.org", Role: access.RoleViewer}, {Email: "high@example.org", Role: access.RoleAdmin}} {
		n.DepartmentID = access.DefaultDepartment
		v, _, err := fx.svc.Invite(inDefault, n)
		if err != nil {
			t.Fatal(err)
		}
		invited = append(invited, v)
	}

	b := newChrome(t, "http://"+d.admin)
	b.shots = os.Getenv("POSTBODE_SCREENSHOTS")
	b.login("ada@example.org", consolePassword, adminCode())
	consoleRoles(b)
	consoleLists(b)
	b.logout()
	b.login("cas@example.org", consolePassword, casCode())
	if !b.has(`nav a[href="/console/campaigns"]`) || b.has(`nav a[href="/console/admin"]`) {
		b.t.Error("cas's menu does not follow the new role")
	}
	if st := b.fetchStatus("GET", "/console/campaigns/new", nil); st != 200 {
		b.t.Errorf("cas composing a campaign with the new role: %d", st)
	}
	if st := b.fetchStatus("GET", "/console/admin/roles", nil); st != 403 {
		b.t.Errorf("cas opening the roles: %d, want 403", st)
	}
	consoleAccount(b)
	b.logout()
	b.login("ada@example.org", consolePassword, adminCode())
	consoleIdentity(b)
	consolePersonSessions(b)
	b.logout()
	b.login("lee@example.org", consolePassword, leeCode())
	consoleAdminAsLead(b, invited[0], invited[1])
}

// consoleAdminAsLead: a department lead (users.manage without everything)
// sees Send again and Revoke on the invitation to a role they may give
// (low) and neither on the one to the administrator role (high), which is
// marked instead; the people list pages with its next-page link.
func consoleAdminAsLead(b *chrome, low, high staff.Invitation) {
	b.t.Helper()
	b.open("/console/admin")
	form := func(v staff.Invitation, what string) string {
		return `form[action="/console/admin/invitations/` + v.ID + `/` + what + `"]`
	}
	for _, what := range []string{"resend", "revoke"} {
		if !b.has(form(low, what)) {
			b.t.Errorf("the lead has no %s for an invitation to viewer", what)
		}
		if b.has(form(high, what)) {
			b.t.Errorf("the lead is offered %s for an invitation to admin, which the service refuses them", what)
		}
	}
	if m := b.text("main"); !strings.Contains(m, "Offers a permission you lack") {
		b.t.Error("the invitation to admin is not marked as beyond the lead")
	}
	b.audit("admin as a lead")
	b.open("/console/admin?limit=2")
	if n := eval[int](b, `document.querySelectorAll("main table")[0].querySelectorAll("tbody tr").length`); n != 2 {
		b.t.Errorf("the first page lists %d people, want 2", n)
	}
	next := eval[string](b, `(document.querySelector('nav.pager a[rel="next"]') || {getAttribute: () => ""}).getAttribute("href")`)
	if !strings.HasPrefix(next, "/console/admin?cursor=") {
		b.t.Fatalf("the next-page link %q", next)
	}
	b.open(next + "&limit=2")
	if n := eval[int](b, `document.querySelectorAll("main table")[0].querySelectorAll("tbody tr").length`); n < 1 {
		b.t.Error("the next page lists no one")
	}
}

// consoleRoles creates the role campaign-writer and gives it to cas.
func consoleRoles(b *chrome) {
	b.t.Helper()
	b.open("/console/admin/roles")
	if h := b.text("h1"); h != "Roles" {
		b.t.Fatalf("roles h1 %q", h)
	}
	b.check("roles")
	b.do("new role", chromedp.Click(chromedp.CSS(`a[href="/console/admin/roles/new"]`)), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SetValue(chromedp.ID("name"), "Campaign Writer"))
	b.submit(`form[action="/console/admin/roles"]`)
	if e := b.text(".errors"); !strings.Contains(e, "lower-case letters") || !strings.Contains(e, "Tick at least one permission") {
		b.t.Errorf("role errors: %q", e)
	}
	if !eval[bool](b, `document.querySelector("#name").getAttribute("aria-invalid") === "true"`) {
		b.t.Error("the name field is not marked invalid")
	}
	b.do("role form", chromedp.SetValue(chromedp.ID("name"), "campaign-writer"),
		chromedp.SetValue(chromedp.ID("description"), "writes and sends campaigns"),
		chromedp.Click(chromedp.CSS(`input[value="contacts.read"]`)), chromedp.Click(chromedp.CSS(`input[value="campaigns.read"]`)),
		chromedp.Click(chromedp.CSS(`input[value="campaigns.send"]`)), chromedp.Click(chromedp.CSS(`input[value="lists.read"]`)))
	eval[bool](b, `window.scrollTo(0, 0), true`)
	b.check("role-edit")
	b.submit(`form[action="/console/admin/roles"]`)
	if f := b.text(".flash"); !strings.Contains(f, "role is saved") {
		b.t.Errorf("flash %q", f)
	}
	if row := b.text("main table tbody"); !strings.Contains(row, "campaign-writer") || !strings.Contains(row, "Create, schedule and send campaigns") {
		b.t.Errorf("roles after create: %q", row)
	}
	b.open("/console/admin")
	b.do("give cas the role", chromedp.SetValue(chromedp.CSS(`select[aria-label="Role of cas@example.org"]`), "campaign-writer"))
	b.press(`button[aria-label="Change role cas@example.org"]`)
	if f := b.text(".flash"); !strings.Contains(f, "role is changed") {
		b.t.Errorf("flash %q", f)
	}
	if v := eval[string](b, `document.querySelector('select[aria-label="Role of cas@example.org"]').value`); v != "campaign-writer" {
		b.t.Errorf("cas's role shown as %q", v)
	}
	b.audit("admin with the role select") // the README's admin.png comes from TestConsoleBrowser
}

// consoleAccount opens the person's own account from the header: a wrong
// current password is named on the password form, and both states pass axe.
func consoleAccount(b *chrome) {
	b.t.Helper()
	b.do("account link", chromedp.Click(chromedp.CSS(`nav a[href="/console/account"]`)), chromedp.WaitVisible(chromedp.ID("current_password")))
	if h := b.text("h1"); h != "Your account" {
		b.t.Errorf("account h1 %q", h)
	}
	b.audit("account")
	b.do("password form", chromedp.SetValue(chromedp.ID("current_password"), "not my password at all"),
		chromedp.SetValue(chromedp.ID("password"), "a fresh and sunny meadow 7"), chromedp.SetValue(chromedp.ID("confirm"), "a fresh and sunny meadow 7"))
	b.submit(`form[action="/console/account/password"]`)
	if e := b.text("#current_password-error"); !strings.Contains(e, "not your current password") {
		b.t.Errorf("current password error %q", e)
	}
	b.audit("account with errors")
	consoleAccountToken(b)
}

// consoleAccountToken makes a personal API token on the account screen:
// its secret shows once, the account lists the token (never the secret)
// with the person's sessions, and the token is revoked after the
// confirmation page.
func consoleAccountToken(b *chrome) {
	b.t.Helper()
	b.open("/console/account")
	b.do("token form", chromedp.SetValue(chromedp.ID("token_name"), "reporting script"),
		chromedp.SetValue(chromedp.ID("expires"), "90"))
	b.submit(`form[action="/console/account/tokens"]`)
	secret := eval[string](b, `document.querySelector("#token-secret").value`)
	if !strings.HasPrefix(secret, "pb_") {
		b.t.Fatalf("no token shown after making one: %q", b.text("main"))
	}
	b.check("account-token")
	b.open("/console/account")
	if m := b.text("main"); !strings.Contains(m, "reporting script") || strings.Contains(eval[string](b, `document.documentElement.outerHTML`), secret) ||
		!strings.Contains(m, "This session") {
		b.t.Error("the account does not list the token and this session, or shows the secret again")
	}
	eval[bool](b, `document.getElementById("sessions").scrollIntoView(), true`)
	b.check("account")
	b.do("revoke link", chromedp.Click(chromedp.CSS(`a[href^="/console/account/tokens/"]`)), chromedp.WaitVisible(chromedp.ID("token-revoke")))
	b.audit("token revoke")
	b.press("#token-revoke")
	if f := b.text(".flash"); !strings.Contains(f, "token is revoked") {
		b.t.Errorf("flash %q", f)
	}
}

// consolePersonSessions opens a person's sessions from the admin screen.
func consolePersonSessions(b *chrome) {
	b.t.Helper()
	b.open("/console/admin")
	href := eval[string](b, `document.querySelector('main a[href$="/sessions"]').getAttribute("href")`)
	b.open(href)
	if h := b.text("h1"); !strings.HasPrefix(h, "Sessions of") {
		b.t.Errorf("person sessions h1 %q", h)
	}
	b.check("person-sessions")
}

// consoleLists creates a list from the Lists screen: an empty form names
// its fields, the filled one saves, and both pass axe.
func consoleLists(b *chrome) {
	b.t.Helper()
	b.open("/console/lists")
	b.do("new list", chromedp.Click(chromedp.CSS(`a[href="/console/lists/new"]`)), chromedp.WaitVisible(chromedp.ID("slug")))
	b.audit("new list")
	b.submit(`form[action="/console/lists"]`)
	if e := b.text("#name-error"); !strings.Contains(e, "Give the list a name") {
		b.t.Errorf("name error %q", e)
	}
	if s := b.text(".errors"); !strings.Contains(s, "Give the list a short name") || !strings.Contains(s, "State what the list is for") {
		b.t.Errorf("the error summary does not name each missing field: %q", s)
	}
	b.audit("new list with errors")
	b.do("list form", chromedp.SetValue(chromedp.ID("slug"), "bakery-news"), chromedp.SetValue(chromedp.ID("name"), "Bakery news"),
		chromedp.SetValue(chromedp.ID("purpose"), "New bread every month"), chromedp.Click(chromedp.ID("optin-single")))
	b.submit(`form[action="/console/lists"]`)
	if f := b.text(".flash"); !strings.Contains(f, "list is saved") {
		b.t.Errorf("flash %q", f)
	}
	if m := b.text("main"); !strings.Contains(m, "Bakery news (bakery-news)") {
		b.t.Error("the new list is not on the Lists screen")
	}
}

// consoleIdentity edits the department's identity with a preview.
func consoleIdentity(b *chrome) {
	b.t.Helper()
	b.do("identity menu", chromedp.Click(chromedp.CSS(`nav a[href="/console/admin/department"]`)), chromedp.WaitVisible(chromedp.ID("org_name")))
	b.do("bad colour", chromedp.SetValue(chromedp.ID("org_name"), "Acme Bakery"), chromedp.SetValue(chromedp.ID("primary_color"), "purple"))
	b.submit(`form[action="/console/admin/department"]`)
	if e := b.text("#primary_color-error"); !strings.Contains(e, "#rrggbb") {
		b.t.Errorf("colour error %q", e)
	}
	b.do("colour", chromedp.SetValue(chromedp.ID("primary_color"), "#8a1c7c"),
		chromedp.SetValue(chromedp.ID("domains"), "acme.example\nnews.acme.example"))
	b.press(`button[name="preview"]`)
	src := eval[string](b, `document.querySelector("iframe.preview").src`)
	if !eval[bool](b, `document.querySelector("iframe.preview").getAttribute("sandbox") === ""`) {
		b.t.Error("the preview frame is not sandboxed")
	}
	frame := eval[string](b, `fetch(document.querySelector("iframe.preview").src).then(r => r.text())`)
	if !strings.Contains(frame, "Acme Bakery") || !strings.Contains(frame, "#8a1c7c") {
		b.t.Errorf("preview frame %s: %.400q", src, frame)
	}
	if h := b.text("#preview-title"); !strings.Contains(h, "not saved") {
		b.t.Errorf("preview title %q", h)
	}
	b.check("department")
	eval[bool](b, `document.querySelector("#preview-title").scrollIntoView(), true`)
	b.check("department-preview")
	b.open("/console/admin/department")
	if v := eval[string](b, `document.querySelector("#org_name").value`); v != "" {
		b.t.Errorf("Preview saved the organisation name: %q", v)
	}
	b.do("save", chromedp.SetValue(chromedp.ID("org_name"), "Acme Bakery"), chromedp.SetValue(chromedp.ID("primary_color"), "#8a1c7c"),
		chromedp.SetValue(chromedp.ID("domains"), "acme.example\nnews.acme.example"))
	b.submit(`form[action="/console/admin/department"]`)
	if f := b.text(".flash"); !strings.Contains(f, "identity is saved") {
		b.t.Errorf("flash %q", f)
	}
	if v := eval[string](b, `document.querySelector("#domains").value`); v != "acme.example\nnews.acme.example" {
		b.t.Errorf("domains after save %q", v)
	}
	if !strings.Contains(eval[string](b, `document.querySelector("iframe.preview").src`), "Acme") {
		b.t.Error("the saved preview does not show the saved style")
	}
}
