package console

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/staff"
)

// adminEnv is a console with campaigns (newBenchEnv) and a helper that
// sends a form with the signed-in person's CSRF token.
type adminEnv struct {
	*benchEnv
	t    *testing.T
	st   *staff.Service
	csrf string
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	e := &adminEnv{benchEnv: newBenchEnv(t, 1, 1), t: t}
	e.st = e.h.Staff
	e.csrf = e.csrfOf(e.cookie)
	return e
}

// csrfOf is the CSRF token of the session cookie c, from the overview.
func (e *adminEnv) csrfOf(c *http.Cookie) string {
	e.t.Helper()
	m := csrfRe.FindStringSubmatch(e.send("GET", "/console/", nil, c).Body.String())
	if m == nil {
		e.t.Fatal("no CSRF token on the overview")
	}
	return m[1]
}

// send serves one request as cookie c (form nil: no body).
func (e *adminEnv) send(method, path string, form url.Values, c *http.Cookie) *httptest.ResponseRecorder {
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.AddCookie(c)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// post sends form as the administrator with their CSRF token.
func (e *adminEnv) post(path string, form url.Values) *httptest.ResponseRecorder {
	form.Set("csrf", e.csrf)
	return e.send("POST", path, form, e.cookie)
}

// get fetches path as the administrator.
func (e *adminEnv) get(path string) *httptest.ResponseRecorder {
	return e.send("GET", path, nil, e.cookie)
}

// login signs a new person with role in department dept in and returns their cookie.
func (e *adminEnv) login(email string, dept int64, role string) (staff.Person, *http.Cookie) {
	e.t.Helper()
	ctx := context.Background()
	pw := "a long and quiet harbour 42"
	p, err := e.st.CreateActive(ctx, staff.NewPerson{Email: email, Name: email, DepartmentID: dept, Role: role, Password: pw})
	if err != nil {
		e.t.Fatal(err)
	}
	_, secret, _, err := e.st.Login(ctx, staff.LoginInput{Email: email, Password: pw})
	if err != nil {
		e.t.Fatal(err)
	}
	return p, &http.Cookie{Name: staff.CookieName, Value: secret}
}

// role is the stored role name (zero when there is none).
func (e *adminEnv) role(name string) staff.Role {
	e.t.Helper()
	roles, err := e.st.Roles(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range roles {
		if r.Name == name {
			return r
		}
	}
	return staff.Role{}
}

func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, code int) string {
	t.Helper()
	body := w.Body.String()
	if w.Code != code {
		t.Fatalf("%s: %d, want %d\n%.1500s", what, w.Code, code, body)
	}
	return body
}

// TestConsoleRoles: an administrator creates a custom role with the
// permission checkboxes, is told which field is wrong (name, permissions,
// a taken name), edits the role's permissions, cannot edit a shipped role,
// and gives a person of the department the new role; the last
// administrator cannot demote themself, a person of another department is
// not found, and a person without users.manage is refused.
func TestConsoleRoles(t *testing.T) {
	e := newAdminEnv(t)
	body := wantStatus(t, "new role form", e.get("/console/admin/roles/new"), 200)
	for _, i := range access.All {
		if !strings.Contains(body, `name="permissions" value="`+string(i.Name)+`"`) {
			t.Errorf("no checkbox for %s", i.Name)
		}
	}

	body = wantStatus(t, "bad name, no permissions", e.post("/console/admin/roles", url.Values{"name": {"Bad Name"}}), 422)
	for _, id := range []string{`id="name-error"`, `id="permissions-error"`, `aria-describedby="name-error"`, "Tick at least one permission"} {
		if !strings.Contains(body, id) {
			t.Errorf("422 page lacks %s", id)
		}
	}
	body = wantStatus(t, "shipped name", e.post("/console/admin/roles", url.Values{"name": {"marketer"}, "permissions": {"privacy.erase"}}), 422)
	if !strings.Contains(body, "A role with this name exists already") {
		t.Errorf("taken name not named: %.800s", body)
	}
	if slices.Contains(e.role("marketer").Permissions, access.PrivacyErase) {
		t.Fatal("the shipped marketer role was changed")
	}
	wantStatus(t, "unknown permission", e.post("/console/admin/roles", url.Values{"name": {"x"}, "permissions": {"root.all"}}), 422)

	w := e.post("/console/admin/roles", url.Values{"name": {"editor"}, "description": {"writes campaigns"},
		"permissions": {"contacts.read", "campaigns.send"}})
	wantStatus(t, "create editor", w, http.StatusSeeOther)
	if got := e.role("editor"); !slices.Equal(got.Permissions, []access.Permission{access.CampaignsSend, access.ContactsRead}) || got.Description != "writes campaigns" {
		t.Fatalf("editor saved as %+v", got)
	}
	wantStatus(t, "create editor twice", e.post("/console/admin/roles", url.Values{"name": {"editor"}, "permissions": {"users.manage"}}), 422)
	if got := e.role("editor"); slices.Contains(got.Permissions, access.UsersManage) {
		t.Fatalf("creating a taken name overwrote the role: %+v", got)
	}

	body = wantStatus(t, "edit form", e.get("/console/admin/roles/editor/edit"), 200)
	if !strings.Contains(body, `value="campaigns.send" checked`) || strings.Contains(body, `value="lists.read" checked`) {
		t.Errorf("edit form does not tick the role's permissions")
	}
	wantStatus(t, "edit without permissions", e.post("/console/admin/roles/editor/edit", url.Values{}), 422)
	wantStatus(t, "edit", e.post("/console/admin/roles/editor/edit", url.Values{"permissions": {"lists.read"}, "name": {"renamed"}}), http.StatusSeeOther)
	if got := e.role("editor"); !slices.Equal(got.Permissions, []access.Permission{access.ListsRead}) {
		t.Fatalf("editor after edit: %+v", got)
	}
	if e.role("renamed").Name != "" {
		t.Fatal("the edit form renamed the role")
	}
	wantStatus(t, "edit shipped", e.get("/console/admin/roles/admin/edit"), http.StatusConflict)
	wantStatus(t, "post shipped", e.post("/console/admin/roles/admin/edit", url.Values{"permissions": {"lists.read"}}), http.StatusConflict)
	wantStatus(t, "edit missing", e.get("/console/admin/roles/nosuch/edit"), http.StatusNotFound)
	if w := e.send("POST", "/console/admin/roles", url.Values{"name": {"nocsrf"}, "permissions": {"lists.read"}}, e.cookie); w.Code != http.StatusForbidden || e.role("nocsrf").Name != "" {
		t.Fatalf("a POST without the CSRF token: %d", w.Code)
	}

	// Assigning roles.
	ctx := context.Background()
	pat, patCookie := e.login("pat@example.org", access.DefaultDepartment, access.RoleViewer)
	body = wantStatus(t, "admin screen", e.get("/console/admin"), 200)
	if !strings.Contains(body, `action="/console/admin/people/`+strconv.FormatInt(pat.ID, 10)+`/role"`) {
		t.Error("the admin screen has no role form for pat")
	}
	rolePath := "/console/admin/people/" + strconv.FormatInt(pat.ID, 10) + "/role"
	wantStatus(t, "assign editor", e.post(rolePath, url.Values{"role": {"editor"}}), http.StatusSeeOther)
	if ms, _ := e.st.Memberships(ctx, pat.ID); len(ms) != 1 || ms[0].Role != "editor" {
		t.Fatalf("pat's memberships: %+v", ms)
	}
	wantStatus(t, "no such role", e.post(rolePath, url.Values{"role": {"nosuch"}}), 422)
	wantStatus(t, "a role name with a NUL", e.post(rolePath, url.Values{"role": {"edi\x00tor"}}), 422)
	wantStatus(t, "a role name that is not UTF-8", e.post(rolePath, url.Values{"role": {"\xffeditor"}}), 422)
	wantStatus(t, "no role", e.post(rolePath, url.Values{}), 422)
	admins, _ := e.st.List(ctx, access.DefaultDepartment, 0, 1000)
	var adminID int64
	for _, p := range admins {
		if p.Email == "admin@example.org" {
			adminID = p.ID
		}
	}
	wantStatus(t, "demote the last admin", e.post("/console/admin/people/"+strconv.FormatInt(adminID, 10)+"/role", url.Values{"role": {"viewer"}}), http.StatusConflict)
	sales, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	sam, _ := e.login("sam@example.org", sales.ID, access.RoleViewer)
	wantStatus(t, "person of another department", e.post("/console/admin/people/"+strconv.FormatInt(sam.ID, 10)+"/role", url.Values{"role": {"editor"}}), http.StatusNotFound)
	if ms, _ := e.st.Memberships(ctx, sam.ID); len(ms) != 1 || ms[0].Role != access.RoleViewer || ms[0].DepartmentID != sales.ID {
		t.Fatalf("sam's memberships: %+v", ms)
	}

	// pat, now an editor (lists.read only), may not manage roles.
	wantStatus(t, "roles as a non-admin", e.send("GET", "/console/admin/roles", nil, patCookie), http.StatusForbidden)
	patForm := url.Values{"name": {"mine"}, "permissions": {"users.manage"}, "csrf": {e.csrfOf(patCookie)}}
	wantStatus(t, "create a role as a non-admin", e.send("POST", "/console/admin/roles", patForm, patCookie), http.StatusForbidden)
	if e.role("mine").Name != "" {
		t.Fatal("a non-admin created a role")
	}
}

// Every permission has a label in English and Dutch, and every group a
// legend (the role editor builds these keys, so the template scan of
// TestMessagesComplete does not see them).
func TestPermissionLabels(t *testing.T) {
	for _, i := range access.All {
		for _, k := range []string{"perm." + string(i.Name), "group." + string(i.Group)} {
			if en[k] == "" || nl[k] == "" {
				t.Errorf("key %q missing in English or Dutch", k)
			}
		}
	}
}

// TestConsoleDepartmentIdentity: the identity screen names each invalid
// field (in the person's language) and stores nothing then; Preview shows
// the typed house style in the sandboxed frame without saving; Save stores
// the identity and the name and keeps the department's main person; a
// domain of another department is refused on the domains field; a person
// without settings.manage is refused.
func TestConsoleDepartmentIdentity(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	dept, err := e.st.Department(ctx, access.DefaultDepartment)
	if err != nil {
		t.Fatal(err)
	}
	admins, _ := e.st.List(ctx, access.DefaultDepartment, 0, 1000)
	dept.MainPersonID = &admins[0].ID
	if _, err := e.st.SaveDepartment(ctx, dept); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, "identity screen", e.get("/console/admin/department"), 200)
	if !strings.Contains(body, `value="`+dept.Name+`"`) || !strings.Contains(body, `<iframe class="preview" sandbox=""`) {
		t.Fatalf("identity screen: %.1500s", body)
	}

	bad := url.Values{"name": {""}, "org_name": {"Acme"}, "logo_url": {"http://example.org/logo.png"}, "primary_color": {"blue"}}
	body = wantStatus(t, "invalid identity", e.post("/console/admin/department", bad), 422)
	for _, want := range []string{`id="name-error"`, `id="logo_url-error"`, "must start with https://"} {
		if !strings.Contains(body, want) {
			t.Errorf("422 page lacks %q", want)
		}
	}
	bad.Set("name", "Head office")
	bad.Set("logo_url", "")
	if err := e.st.SetLanguage(ctx, admins[0].ID, "nl"); err != nil {
		t.Fatal(err)
	}
	body = wantStatus(t, "invalid colour", e.post("/console/admin/department", bad), 422)
	if !strings.Contains(body, `id="primary_color-error">Schrijf de kleur als #rrggbb`) {
		t.Errorf("the colour error is not named in Dutch: %.2000s", body)
	}
	if err := e.st.SetLanguage(ctx, admins[0].ID, "en"); err != nil {
		t.Fatal(err)
	}
	if id, _ := e.st.Identity(ctx, access.DefaultDepartment); id.OrgName != "" {
		t.Fatalf("an invalid form stored %+v", id)
	}

	preview := url.Values{"name": {"Head office"}, "org_name": {"Preview & Co"}, "primary_color": {"#aa0000"}, "preview": {"1"}}
	body = wantStatus(t, "preview", e.post("/console/admin/department", preview), 200)
	src := regexpFind(body, `<iframe class="preview" sandbox="" title="[^"]*" src="([^"]+)"`)
	if !strings.Contains(src, "org_name=Preview") || !strings.Contains(body, "not saved") {
		t.Fatalf("preview frame src %q", src)
	}
	if id, _ := e.st.Identity(ctx, access.DefaultDepartment); id.OrgName != "" {
		t.Fatalf("Preview stored %+v", id)
	}
	w := e.get(html.UnescapeString(src))
	frame := wantStatus(t, "preview frame", w, 200)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("preview frame CSP %q", csp)
	}
	if !strings.Contains(frame, "Preview &amp; Co") || !strings.Contains(frame, "#aa0000") || !strings.Contains(frame, "Jan Jansen") {
		t.Errorf("the sample mail lacks the previewed style: %.1500s", frame)
	}
	wantStatus(t, "preview of a bad colour", e.get("/console/admin/department/preview?primary_color=red"), 422)

	save := url.Values{"name": {"Head office"}, "org_name": {"Acme"}, "primary_color": {"#123456"},
		"logo_url": {"https://example.org/logo.png"}, "domains": {"Example.org\nmail.example.org"}}
	wantStatus(t, "save", e.post("/console/admin/department", save), http.StatusSeeOther)
	id, err := e.st.Identity(ctx, access.DefaultDepartment)
	if err != nil || id.OrgName != "Acme" || id.PrimaryColor != "#123456" || id.LogoURL != "https://example.org/logo.png" ||
		!slices.Equal(id.Domains, []string{"example.org", "mail.example.org"}) {
		t.Fatalf("saved identity %+v, %v", id, err)
	}
	d, _ := e.st.Department(ctx, access.DefaultDepartment)
	if d.Name != "Head office" || d.MainPersonID == nil || *d.MainPersonID != admins[0].ID {
		t.Fatalf("department after save: %+v", d)
	}
	body = wantStatus(t, "identity screen after save", e.get("/console/admin/department"), 200)
	if !strings.Contains(body, "org_name=Acme") || !strings.Contains(body, "example.org\nmail.example.org") {
		t.Errorf("the screen does not show the saved identity: %.2000s", body)
	}

	sales, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SaveIdentity(ctx, identityOf(sales.ID, "sales.example")); err != nil {
		t.Fatal(err)
	}
	save.Set("domains", "example.org\nsales.example")
	body = wantStatus(t, "domain of another department", e.post("/console/admin/department", save), 422)
	if !strings.Contains(body, `id="domains-error">A From domain belongs to another department`) {
		t.Errorf("the taken domain is not named: %.2000s", body)
	}
	if id, _ := e.st.Identity(ctx, access.DefaultDepartment); len(id.Domains) != 2 {
		t.Fatalf("domains after the refused save: %v", id.Domains)
	}

	_, mkt := e.login("mia@example.org", access.DefaultDepartment, access.RoleMarketer)
	wantStatus(t, "identity as a marketer", e.send("GET", "/console/admin/department", nil, mkt), http.StatusForbidden)
	save.Set("csrf", e.csrfOf(mkt))
	save.Set("org_name", "Hijack")
	wantStatus(t, "save as a marketer", e.send("POST", "/console/admin/department", save, mkt), http.StatusForbidden)
	if id, _ := e.st.Identity(ctx, access.DefaultDepartment); id.OrgName != "Acme" {
		t.Fatalf("a marketer changed the identity: %+v", id)
	}
}

func regexpFind(s, re string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

func identityOf(dept int64, domains ...string) identity.Identity {
	return identity.Identity{DepartmentID: dept, Domains: domains}
}

// Without the campaigns service the identity screen still edits the
// identity, with no preview frame or button, and the frame's URL is not
// found.
func TestConsoleDepartmentWithoutCampaigns(t *testing.T) {
	e := newLinkEnv(t, nil)
	pw := "a long and quiet harbour 42"
	admin := sessionCookie(e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"}, "password": {pw}}, ""))
	w := e.do("GET", "/console/admin/department", nil, admin)
	body := wantStatus(t, "identity screen", w, 200)
	if strings.Contains(body, "<iframe") || strings.Contains(body, `name="preview"`) {
		t.Errorf("a preview without the campaigns service: %.1500s", body)
	}
	csrf := csrfRe.FindStringSubmatch(body)[1]
	w = e.do("POST", "/console/admin/department", url.Values{"csrf": {csrf}, "name": {"Default"}, "org_name": {"Acme"}}, admin)
	wantStatus(t, "save", w, http.StatusSeeOther)
	if id, _ := e.st.Identity(context.Background(), access.DefaultDepartment); id.OrgName != "Acme" {
		t.Fatalf("identity %+v", id)
	}
	wantStatus(t, "frame", e.do("GET", "/console/admin/department/preview", nil, admin), http.StatusNotFound)
}

// TestConsoleAdminOffersOnlyWhatTheViewerMay: a department lead (a custom
// role with users.manage but not every permission) sees on the Admin screen
// the actions on a viewer, whose permissions the lead all holds, but none on
// the administrator, and only the roles they may give; the service still
// refuses those actions when posted anyway. The administrator sees every
// action.
func TestConsoleAdminOffersOnlyWhatTheViewerMay(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := e.st.SaveRole(ctx, "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	var admin staff.Person
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM persons WHERE email = 'admin@example.org'`).Scan(&admin.ID); err != nil {
		t.Fatal(err)
	}
	vic, _ := e.login("vic@example.org", access.DefaultDepartment, access.RoleViewer)
	lee, leeCookie := e.login("lee@example.org", access.DefaultDepartment, "lead")
	adminPath := "/console/admin/people/" + strconv.FormatInt(admin.ID, 10)
	vicPath := "/console/admin/people/" + strconv.FormatInt(vic.ID, 10)
	leePath := "/console/admin/people/" + strconv.FormatInt(lee.ID, 10)

	body := wantStatus(t, "admin screen as the lead", e.send("GET", "/console/admin", nil, leeCookie), http.StatusOK)
	for _, want := range []string{`action="` + vicPath + `/disable"`, `action="` + vicPath + `/reset"`, `action="` + vicPath + `/role"`,
		`<option value="viewer"`, `<option value="lead"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the lead's Admin screen lacks %s", want)
		}
	}
	for _, unwanted := range []string{`action="` + adminPath + `/`, `<option value="admin"`, `<option value="marketer"`, `<option value="privacy"`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("the lead's Admin screen offers %s, which the service refuses them", unwanted)
		}
	}
	// The server-side check stays.
	leeCSRF := e.csrfOf(leeCookie)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{adminPath + "/disable", url.Values{}},
		{adminPath + "/reset", url.Values{}},
		{adminPath + "/role", url.Values{"role": {"viewer"}}},
		{vicPath + "/role", url.Values{"role": {"admin"}}},
		{"/console/admin/people", url.Values{"email": {"new@example.org"}, "role": {"admin"}}},
	} {
		c.form.Set("csrf", leeCSRF)
		wantStatus(t, "lead posts "+c.path, e.send("POST", c.path, c.form, leeCookie), http.StatusForbidden)
	}
	if p, err := e.st.Get(ctx, admin.ID); err != nil || p.Status != "active" || p.Memberships[0].Role != "admin" {
		t.Errorf("the administrator after the lead's refused posts: %+v %v", p, err)
	}

	body = wantStatus(t, "admin screen as the administrator", e.get("/console/admin"), http.StatusOK)
	for _, want := range []string{`action="` + leePath + `/disable"`, `action="` + leePath + `/role"`, `<option value="admin"`, `<option value="privacy"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the administrator's Admin screen lacks %s", want)
		}
	}
}

// TestConsoleTokenRevokeStaysWithinReach: on the Admin screen a department
// lead sees Revoke for the token of a viewer and a viewer service token, but
// not for the administrator's token or an admin service token; posting
// those revokes anyway is refused and the tokens keep working. The lead
// revokes a token within reach; the administrator sees and uses every
// Revoke.
func TestConsoleTokenRevokeStaysWithinReach(t *testing.T) {
	e := newAdminEnv(t)
	tokens := apitoken.NewStore(e.pool)
	e.h.Tokens = tokens
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := e.st.SaveRole(ctx, "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	var adminID int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM persons WHERE email = 'admin@example.org'`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	vic, _ := e.login("vic@example.org", access.DefaultDepartment, access.RoleViewer)
	_, leeCookie := e.login("lee@example.org", access.DefaultDepartment, "lead")
	type tok struct {
		id     int64
		secret string
	}
	personTok := func(name string, id int64) tok {
		tk, secret, err := e.st.CreateToken(ctx, name, id)
		if err != nil {
			t.Fatal(err)
		}
		return tok{tk.ID, secret}
	}
	serviceTok := func(role string) tok {
		tk, secret, err := tokens.Create(ctx, role+" program", role)
		if err != nil {
			t.Fatal(err)
		}
		return tok{tk.ID, secret}
	}
	adminTok, vicTok := personTok("admin program", adminID), personTok("vic program", vic.ID)
	adminSvc, viewerSvc := serviceTok("admin"), serviceTok("viewer")
	action := func(tk tok) string {
		return `action="/console/admin/tokens/` + strconv.FormatInt(tk.id, 10) + `/revoke"`
	}
	works := func(tk tok) bool {
		_, err := e.st.AuthenticateToken(context.Background(), tk.secret, netip.MustParseAddr("127.0.0.1"))
		return err == nil
	}

	body := wantStatus(t, "admin screen as the lead", e.send("GET", "/console/admin", nil, leeCookie), http.StatusOK)
	for _, tk := range []tok{vicTok, viewerSvc} {
		if !strings.Contains(body, action(tk)) {
			t.Errorf("the lead's Admin screen lacks %s", action(tk))
		}
	}
	for _, tk := range []tok{adminTok, adminSvc} {
		if strings.Contains(body, action(tk)) {
			t.Errorf("the lead's Admin screen offers %s, which the service refuses them", action(tk))
		}
	}
	leeCSRF := e.csrfOf(leeCookie)
	revoke := func(tk tok, cookie *http.Cookie, csrf string) int {
		return e.send("POST", "/console/admin/tokens/"+strconv.FormatInt(tk.id, 10)+"/revoke", url.Values{"csrf": {csrf}}, cookie).Code
	}
	for name, tk := range map[string]tok{"the administrator's token": adminTok, "the admin service token": adminSvc} {
		if got := revoke(tk, leeCookie, leeCSRF); got != http.StatusForbidden {
			t.Errorf("the lead revokes %s: %d, want 403", name, got)
		}
		if !works(tk) {
			t.Errorf("%s stopped working after the lead's refused revoke", name)
		}
	}
	if got := revoke(vicTok, leeCookie, leeCSRF); got != http.StatusSeeOther {
		t.Errorf("the lead revokes the viewer's token: %d, want 303", got)
	}
	if works(vicTok) {
		t.Error("the viewer's token works after the lead revoked it")
	}

	body = wantStatus(t, "admin screen as the administrator", e.get("/console/admin"), http.StatusOK)
	for _, tk := range []tok{adminTok, adminSvc, viewerSvc} {
		if !strings.Contains(body, action(tk)) {
			t.Errorf("the administrator's Admin screen lacks %s", action(tk))
		}
	}
	for _, tk := range []tok{adminSvc, adminTok} {
		if got := revoke(tk, e.cookie, e.csrf); got != http.StatusSeeOther {
			t.Errorf("the administrator revokes token %d: %d, want 303", tk.id, got)
		}
		if works(tk) {
			t.Errorf("token %d works after the administrator revoked it", tk.id)
		}
	}
}

// TestConsoleClaimOfADomainInUse, over HTTP: the default department sends
// from example.org without owning it. The administrator of another
// department cannot claim it on the identity screen (422, the reason on
// the domains field in English and Dutch, the default department never
// named); the refusal changes nothing and is audited, and the default
// department keeps creating campaigns from the domain.
func TestConsoleClaimOfADomainInUse(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `UPDATE departments SET name = 'Head office' WHERE id = $1`, access.DefaultDepartment); err != nil {
		t.Fatal(err)
	}
	sales, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	_, admin := e.login("sam@example.org", sales.ID, access.RoleAdmin)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	do := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(admin)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, overview := do("GET", "/console/", nil)
	m := csrfRe.FindStringSubmatch(overview)
	if m == nil {
		t.Fatal("no CSRF token on the overview")
	}
	save := url.Values{"csrf": {m[1]}, "name": {"Sales"}, "org_name": {"Sales Inc"}, "domains": {"sales.example\nexample.org"}}
	for _, c := range []struct{ lang, want string }{
		{"en", "another department has campaigns from example.org (drafts, scheduled or running, or sent in the last 90 days); a domain in use cannot be claimed"},
		{"nl", "een andere afdeling heeft campagnes vanaf example.org (concepten, gepland of bezig, of verstuurd in de afgelopen 90 dagen); een domein dat in gebruik is kan niet worden geclaimd"},
	} {
		if code, body := do("POST", "/console/language", url.Values{"csrf": {m[1]}, "lang": {c.lang}}); code != http.StatusSeeOther {
			t.Fatalf("language %s: %d %.500s", c.lang, code, body)
		}
		code, body := do("POST", "/console/admin/department", save)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="domains-error">`+html.EscapeString(c.want)) {
			t.Fatalf("%s: Sales claims example.org: %d %.3000s", c.lang, code, body)
		}
		if strings.Contains(body, "Head office") || strings.Contains(body, "News") {
			t.Errorf("%s: the refusal names the default department or its campaign: %.3000s", c.lang, body)
		}
	}
	if id, _ := e.st.Identity(ctx, sales.ID); len(id.Domains) != 0 || id.OrgName != "" {
		t.Fatalf("Sales' identity after the refused claims: %+v", id)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'domain-claim-refused' AND department_id = $1
		AND target_id = $1 AND cause = 'domain_in_use'`, sales.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d audit entries of the refused claims, %v", n, err)
	}
	save.Set("domains", "sales.example")
	if code, body := do("POST", "/console/admin/department", save); code != http.StatusSeeOther {
		t.Fatalf("Sales claims a domain nobody sends from: %d %.2000s", code, body)
	}
	var list int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM lists WHERE slug = 'news' AND department_id = $1`, access.DefaultDepartment).Scan(&list); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "the default department's new campaign from example.org", e.post("/console/campaigns", url.Values{"name": {"Next"},
		"subject": {"Hello"}, "from_email": {"news@example.org"}, "lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi</p>"}}), http.StatusSeeOther)
}
