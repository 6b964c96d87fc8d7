package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestConsoleChangeListHidesHiddenAttributes: the change requests page
// shows a marketer the changes of visible attributes but not the old and
// new values of an attribute hidden by data minimisation; an admin (who
// may see hidden attributes) sees them.
func TestConsoleChangeListHidesHiddenAttributes(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	pw := "a long and quiet harbour 42"
	for _, p := range []struct{ email, role string }{{"mark@example.org", access.RoleMarketer}, {"ada@example.org", access.RoleAdmin}} {
		if _, err := e.st.CreateActive(ctx, staff.NewPerson{Email: p.email, Name: p.role,
			DepartmentID: access.DefaultDepartment, Role: p.role, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := e.h.Contacts.Create(ctx, contacts.New{Email: "ann@example.org", Name: "Ann", Source: "api",
		Attributes: map[string]any{"birthday": "1990-01-01", "city": "Delft"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('birthday', 'test')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO change_requests (contact_id, changes, status) VALUES ($1,
		'[{"field": "attributes.birthday", "old": "1990-01-01", "new": "1991-02-02"}, {"field": "attributes.city", "old": "Delft", "new": "Leiden"}]', 'pending')`,
		c.ID); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		email  string
		hidden bool
	}{{"mark@example.org", false}, {"ada@example.org", true}} {
		s := sessionCookie(e.do("POST", "/console/login", url.Values{"email": {who.email}, "password": {pw}}, ""))
		w := e.do("GET", "/console/changes", nil, s)
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, "Leiden") {
			t.Fatalf("%s: GET /console/changes: %d, the visible change missing", who.email, w.Code)
		}
		if got := strings.Contains(body, "1991-02-02") || strings.Contains(body, "1990-01-01"); got != who.hidden {
			t.Errorf("%s: hidden attribute's values shown %v, want %v", who.email, got, who.hidden)
		}
	}
}
