package staff_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

func newAPI(t *testing.T, f *fixture) (*httptest.Server, *httpapi.Router) {
	t.Helper()
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(t), f.svc, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	f.svc.SetMailer(nil, "https://admin.example.org")
	(&staff.API{S: f.svc, SecureCookie: true}).Routes(rt)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs, rt
}

func call(t *testing.T, hs *httptest.Server, method, path, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAPISessionCookieAndCSRF: login sets a Secure, HttpOnly,
// SameSite=Strict cookie; a changing request with the cookie but without the
// session's CSRF token is refused; reports come as JSON and CSV.
func TestAPISessionCookieAndCSRF(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, rt := newAPI(t, f)
	diff, err := httpapi.DiffOpenAPI((&staff.API{}).OpenAPI(), rt.Routes())
	if err != nil || len(diff) > 0 {
		t.Fatalf("OpenAPI: %v %v", diff, err)
	}
	resp, body := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == staff.CookieName {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.MaxAge != 0 {
		t.Fatalf("cookie: %+v", c)
	}
	var in struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &in)
	cookie := map[string]string{"Cookie": staff.CookieName + "=" + c.Value}
	if r, b := call(t, hs, "PUT", "/api/v1/roles/temp", `{"permissions":["contacts.read"]}`, cookie); r.StatusCode != 403 || !strings.Contains(b, "csrf") {
		t.Fatalf("without CSRF token: %d %s", r.StatusCode, b)
	}
	cookie["X-CSRF-Token"] = in.CSRF
	if r, b := call(t, hs, "PUT", "/api/v1/roles/temp", `{"permissions":["contacts.read"]}`, cookie); r.StatusCode != 200 {
		t.Fatalf("with CSRF token: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "GET", "/api/v1/reports/roles?format=csv", "", cookie); r.StatusCode != 200 ||
		!strings.HasPrefix(b, "role,builtin,permission,group\n") || !strings.Contains(b, "temp,false,contacts.read,contacts\n") ||
		!strings.Contains(b, "privacy,true,privacy.erase,privacy\n") {
		t.Fatalf("roles CSV: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "GET", "/api/v1/reports/people?format=csv", "", cookie); r.StatusCode != 200 ||
		!strings.Contains(b, ",root@example.org,root@example.org,active,false,default,admin\n") {
		t.Fatalf("people CSV: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "GET", "/api/v1/reports/people", "", cookie); r.StatusCode != 200 || !strings.Contains(b, `"role":"admin"`) {
		t.Fatalf("people JSON: %d %s", r.StatusCode, b)
	}
	// Logging out ends the session for every later request.
	if r, _ := call(t, hs, "POST", "/api/v1/auth/logout", "", cookie); r.StatusCode != 204 {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if r, _ := call(t, hs, "GET", "/api/v1/auth/me", "", cookie); r.StatusCode != 401 {
		t.Fatalf("after logout: %d", r.StatusCode)
	}
}

// TestAPILockoutMessage: the locked-out answer says what happened and how
// long the lock still lasts, from the configured window: it ends when the
// failure that reached the limit leaves the window.
func TestAPILockoutMessage(t *testing.T) {
	f := newFixture(t, staff.Options{MaxFailures: 2, LockoutWindow: time.Hour})
	f.person("ann@example.org", "viewer")
	hs, _ := newAPI(t, f)
	start := f.now
	for _, after := range []time.Duration{0, 10 * time.Minute} {
		f.now = start.Add(after)
		call(t, hs, "POST", "/api/v1/auth/login", `{"email":"ann@example.org","password":"nope nope nope"}`, nil)
	}
	for _, c := range []struct {
		after time.Duration
		wait  string
	}{{20 * time.Minute, "try again in 40 minutes"}, {59*time.Minute + 30*time.Second, "try again in 30 seconds"}} {
		f.now = start.Add(c.after)
		r, b := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"ann@example.org","password":"a long enough passphrase"}`, nil)
		if r.StatusCode != 403 || !strings.Contains(b, `"code":"locked"`) || !strings.Contains(b, "too many failed logins: "+c.wait) {
			t.Fatalf("locked, %s after the first failure: %d %s; want %q", c.after, r.StatusCode, b, c.wait)
		}
	}
	f.now = start.Add(time.Hour + time.Second)
	if r, b := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"ann@example.org","password":"a long enough passphrase"}`, nil); r.StatusCode != 200 {
		t.Fatalf("login once the first failure left the window: %d %s", r.StatusCode, b)
	}
}

// TestAPIAccountWideActionsStayInDepartment: an administrator of one
// department cannot disable a person who also works in another.
func TestAPIAccountWideActionsStayInDepartment(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	bob := f.person("bob@example.org", "viewer")
	d, err := f.svc.SaveDepartment(t.Context(), staff.Department{Slug: "b", Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetMembership(t.Context(), bob.ID, d.ID, "marketer"); err != nil {
		t.Fatal(err)
	}
	hs, _ := newAPI(t, f)
	secret, _, _ := f.login("root@example.org", "", ip1)
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	path := "/api/v1/persons/" + strconv.FormatInt(bob.ID, 10)
	if r, b := call(t, hs, "POST", path+"/disable", "", hdr); r.StatusCode != 409 {
		t.Fatalf("disable a person of two departments: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "DELETE", path+"/role", "", hdr); r.StatusCode != 204 {
		t.Fatalf("remove from this department: %d %s", r.StatusCode, b)
	}
	if p, _ := f.svc.Get(t.Context(), bob.ID); p.Status != "active" || len(p.Memberships) != 1 || p.Memberships[0].DepartmentID != d.ID {
		t.Fatalf("bob: %+v", p)
	}
}

// A role name or department slug the tables' check would refuse (a leading
// dash) is refused with 422 naming the field, never a 500 from the
// database, and leaves nothing behind.
func TestAPISlugsCheckedBeforeTheDatabase(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	secret, _, _ := f.login("root@example.org", "", ip1)
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	for _, tc := range []struct{ method, path, body, field string }{
		{"PUT", "/api/v1/roles/-lead", `{"permissions":["lists.read"]}`, "name"},
		{"PUT", "/api/v1/roles/" + strings.Repeat("a", 64), `{"permissions":["lists.read"]}`, "name"},
		{"POST", "/api/v1/departments", `{"slug":"-b","name":"B"}`, "slug"},
		{"POST", "/api/v1/departments", `{"slug":"B","name":"B"}`, "slug"},
	} {
		r, b := call(t, hs, tc.method, tc.path, tc.body, hdr)
		var e struct {
			Error struct{ Field, Message string }
		}
		json.Unmarshal([]byte(b), &e)
		if r.StatusCode != 422 || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, "starting with a letter or digit") {
			t.Errorf("%s %s %s: %d %s, want 422 naming %s", tc.method, tc.path, tc.body, r.StatusCode, b, tc.field)
		}
	}
	var roles, depts int
	if err := f.db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM roles WHERE NOT builtin), (SELECT count(*) FROM departments)`).Scan(&roles, &depts); err != nil {
		t.Fatal(err)
	}
	if roles != 0 || depts != 1 {
		t.Errorf("%d custom roles and %d departments stored, want 0 and 1", roles, depts)
	}
	if r, b := call(t, hs, "PUT", "/api/v1/roles/lead-2", `{"permissions":["lists.read"]}`, hdr); r.StatusCode != 200 {
		t.Errorf("a good role name: %d %s", r.StatusCode, b)
	}
}
