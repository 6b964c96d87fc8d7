package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestConsoleHidesHiddenAttributes: an attribute hidden by data
// minimisation is not on a marketer's contact page or edit form, and saving
// the form (which lacks it) keeps it stored, while a field the marketer took
// off the form is removed.
func TestConsoleHidesHiddenAttributes(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	pw := "a long and quiet harbour 42"
	if _, err := e.st.CreateActive(ctx, staff.NewPerson{Email: "mark@example.org", Name: "Mark",
		DepartmentID: access.DefaultDepartment, Role: access.RoleMarketer, Password: pw}); err != nil {
		t.Fatal(err)
	}
	cs := e.h.Contacts
	c, err := cs.Create(ctx, contacts.New{Email: "ann@example.org", Name: "Ann", Source: "api",
		Attributes: map[string]any{"birthday": "1990-01-01", "city": "Delft", "size": "M"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('birthday', 'test')`); err != nil {
		t.Fatal(err)
	}
	mark := sessionCookie(e.do("POST", "/console/login", url.Values{"email": {"mark@example.org"}, "password": {pw}}, ""))
	path := "/console/contacts/" + strconv.FormatInt(c.ID, 10)
	for _, p := range []string{path, path + "/edit"} {
		w := e.do("GET", p, nil, mark)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "1990-01-01") || !strings.Contains(w.Body.String(), "Delft") {
			t.Fatalf("GET %s: %d, hidden value shown or visible one missing", p, w.Code)
		}
	}
	m := csrfRe.FindStringSubmatch(e.do("GET", path+"/edit", nil, mark).Body.String())
	if m == nil {
		t.Fatal("no csrf token on the edit form")
	}
	w := e.do("POST", path+"/edit", url.Values{"csrf": {m[1]}, "name": {"Ann"}, "fields": {"city: Leiden"}}, mark)
	if w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
		t.Fatalf("save: %d %s", w.Code, w.Body.String())
	}
	got, err := cs.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attributes["birthday"] != "1990-01-01" || got.Attributes["city"] != "Leiden" {
		t.Fatalf("after save: %v", got.Attributes)
	}
	if _, ok := got.Attributes["size"]; ok {
		t.Fatalf("a field taken off the form stayed: %v", got.Attributes)
	}
}
