package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestConsolePersonOfAnotherDepartment: an administrator of one department
// can neither disable nor enable a person of another department by id.
func TestConsolePersonOfAnotherDepartment(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := context.Background()
	sales, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	pw := "a long and quiet harbour 42"
	if _, err := e.st.CreateActive(ctx, staff.NewPerson{Email: "boss@example.org", Name: "Boss", DepartmentID: sales.ID,
		Role: access.RoleAdmin, Password: pw}); err != nil {
		t.Fatal(err)
	}
	victim, err := e.st.CreateActive(ctx, staff.NewPerson{Email: "vic@example.org", Name: "Vic",
		DepartmentID: access.DefaultDepartment, Role: access.RoleViewer, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	boss := sessionCookie(e.do("POST", "/console/login", url.Values{"email": {"boss@example.org"}, "password": {pw}}, ""))
	m := csrfRe.FindStringSubmatch(e.do("GET", "/console/admin", nil, boss).Body.String())
	if boss == "" || m == nil {
		t.Fatal("boss has no session or admin page")
	}
	path := "/console/admin/people/" + strconv.FormatInt(victim.ID, 10)
	if w := e.do("POST", path+"/disable", url.Values{"csrf": {m[1]}}, boss); w.Code != http.StatusNotFound {
		t.Fatalf("disable across departments: %d", w.Code)
	}
	if p, _ := e.st.Get(ctx, victim.ID); p.Status != staff.StatusActive {
		t.Fatalf("disabled from another department: %+v", p)
	}
	if err := e.st.Disable(ctx, victim.ID); err != nil {
		t.Fatal(err)
	}
	if w := e.do("POST", path+"/enable", url.Values{"csrf": {m[1]}}, boss); w.Code != http.StatusNotFound {
		t.Fatalf("enable across departments: %d", w.Code)
	}
}
