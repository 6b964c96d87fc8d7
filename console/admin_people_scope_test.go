package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestAdminScreenShowsOnlyDepartmentsTheViewerManages: over real HTTP, the
// Admin screen lists sam, who works in the default department and in
// "Second Floor", without the latter to an administrator of the default
// department only (as the API answers, staff.Viewer), and with it once
// that administrator manages "Second Floor" too.
func TestAdminScreenShowsOnlyDepartmentsTheViewerManages(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := t.Context()
	admin, err := e.st.Get(ctx, 1)
	if err != nil || admin.Email != "admin@example.org" {
		t.Fatalf("admin: %+v %v", admin, err)
	}
	sam, err := e.st.CreateActive(ctx, staff.NewPerson{Email: "sam@example.org", Name: "Sam",
		DepartmentID: access.DefaultDepartment, Role: access.RoleAdmin, Password: "a long and quiet harbour 42"})
	if err != nil {
		t.Fatal(err)
	}
	two, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "two", Name: "Second Floor"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetMembership(ctx, sam.ID, two.ID, "privacy"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(srv.URL+"/console/login", url.Values{"email": {"admin@example.org"},
		"password": {"a long and quiet harbour 42"}, "next": {"/console/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == staff.CookieName {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	screen := func() string {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/console/admin", nil)
		req.AddCookie(&http.Cookie{Name: staff.CookieName, Value: session})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(b), "sam@example.org") {
			t.Fatalf("admin screen: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	if b := screen(); strings.Contains(b, "Second Floor") {
		t.Fatal("the admin screen names a department the viewer does not manage")
	}
	if err := e.st.SetMembership(ctx, admin.ID, two.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if b := screen(); !strings.Contains(b, "Second Floor: privacy") {
		t.Fatal("the admin screen hides sam's role in a department the viewer manages")
	}
}
