package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
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
	wantStatus(t, "no role", e.post(rolePath, url.Values{}), 422)
	admins, _ := e.st.List(ctx, access.DefaultDepartment)
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
