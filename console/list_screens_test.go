package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/staff"
)

func ptr(s string) *string { return &s }

// TestConsoleLists: a person with lists.manage creates a list from the
// Lists screen (slug, name, purpose, opt-in mode, description) and edits
// its name and description; a missing or invalid field and a taken slug
// come back with 422 and the field named; a viewer (lists.read only) and a
// POST without the CSRF token are refused with 403 and store nothing.
func TestConsoleLists(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	lists := func() []optin.List {
		t.Helper()
		ls, err := e.h.Optin.ListLists(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	bySlug := func(slug string) (optin.List, bool) {
		for _, l := range lists() {
			if l.Slug == slug {
				return l, true
			}
		}
		return optin.List{}, false
	}
	before := len(lists())

	body := wantStatus(t, "lists screen", e.get("/console/lists"), 200)
	if !strings.Contains(body, `href="/console/lists/new"`) {
		t.Error("the Lists screen has no New list link for a list manager")
	}
	wantStatus(t, "new list form", e.get("/console/lists/new"), 200)

	good := url.Values{"slug": {"weekly"}, "name": {"Weekly news"}, "purpose": {"News every Friday"}, "optin": {"double"}, "description": {"For members"}}
	wantStatus(t, "create", e.post("/console/lists", good), http.StatusSeeOther)
	l, ok := bySlug("weekly")
	if !ok || l.Name != "Weekly news" || l.Purpose != "News every Friday" || l.OptIn != "double" || l.Description != "For members" {
		t.Fatalf("list saved as %+v (found %v)", l, ok)
	}

	for _, c := range []struct {
		what, field, text string
		change            url.Values
	}{
		{"taken slug", "slug", "Another list has this short name", url.Values{"name": {"Other"}}},
		{"missing name", "name", "Give the list a name", url.Values{"slug": {"other"}, "name": {""}}},
		{"two-line name", "name", "must be one line", url.Values{"slug": {"other"}, "name": {"a\r\nb"}}},
		{"bad slug", "slug", "must be 1-63 characters", url.Values{"slug": {"Not A Slug"}}},
		{"no opt-in mode", "optin", "Choose single or double", url.Values{"slug": {"other"}, "optin": {"triple"}}},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		for k, v := range c.change {
			form[k] = v
		}
		body := wantStatus(t, c.what, e.post("/console/lists", form), http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="`+c.field+`-error"`) || !strings.Contains(body, c.text) {
			t.Errorf("%s: the field %s is not named with %q:\n%.2000s", c.what, c.field, c.text, body)
		}
	}
	if n := len(lists()); n != before+1 {
		t.Fatalf("%d lists after refused forms, want %d", n, before+1)
	}

	edit := "/console/lists/" + strconv.FormatInt(l.ID, 10) + "/edit"
	if body := wantStatus(t, "edit form", e.get(edit), 200); !strings.Contains(body, `value="Weekly news"`) {
		t.Errorf("edit form lacks the name:\n%.1500s", body)
	}
	wantStatus(t, "edit without a name", e.post(edit, url.Values{"name": {""}}), http.StatusUnprocessableEntity)
	// Text the database cannot store is refused naming the field, never a 500.
	for _, c := range []struct{ field, value, text string }{
		{"name", "Friday\x00news", "NUL"}, {"description", "For\x00all", "NUL"}, {"description", "For \xff", "UTF-8"},
	} {
		form := url.Values{"name": {"Friday news"}, "description": {"For everyone"}}
		form.Set(c.field, c.value)
		body := wantStatus(t, "edit with "+c.text+" in the "+c.field, e.post(edit, form), http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="`+c.field+`-error"`) {
			t.Errorf("%s in the %s: the field is not named:\n%.2000s", c.text, c.field, body)
		}
	}
	wantStatus(t, "edit", e.post(edit, url.Values{"name": {"Friday news"}, "description": {"For everyone"}, "slug": {"renamed"}, "optin": {"single"}}), http.StatusSeeOther)
	if got, _ := bySlug("weekly"); got.Name != "Friday news" || got.Description != "For everyone" || got.OptIn != "double" {
		t.Fatalf("after edit: %+v", got)
	}
	wantStatus(t, "edit a missing list", e.get("/console/lists/999999/edit"), http.StatusNotFound)

	// Another department's list is not there to edit.
	sales, err := e.st.SaveDepartment(ctx, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.h.Optin.CreateList(access.WithDepartment(ctx, sales.ID), optin.ListInput{Slug: ptr("deals"), Name: ptr("Deals"), Purpose: ptr("Offers"), OptIn: ptr("single")})
	if err != nil {
		t.Fatal(err)
	}
	theirEdit := "/console/lists/" + strconv.FormatInt(theirs.ID, 10) + "/edit"
	wantStatus(t, "edit another department's list", e.get(theirEdit), http.StatusNotFound)
	wantStatus(t, "save another department's list", e.post(theirEdit, url.Values{"name": {"Mine now"}}), http.StatusNotFound)
	if got, err := e.h.Optin.GetList(access.WithDepartment(ctx, sales.ID), theirs.ID); err != nil || got.Name != "Deals" {
		t.Fatalf("another department's list after the attempt: %+v %v", got, err)
	}

	// No CSRF token: refused, nothing stored.
	nocsrf := url.Values{"slug": {"nocsrf"}, "name": {"No"}, "purpose": {"x"}, "optin": {"single"}}
	wantStatus(t, "create without CSRF", e.send("POST", "/console/lists", nocsrf, e.cookie), http.StatusForbidden)
	if _, ok := bySlug("nocsrf"); ok {
		t.Fatal("a POST without the CSRF token created a list")
	}

	// A viewer (lists.read only) sees the lists, without the link, and may not create or edit.
	_, viewer := e.login("vic@example.org", access.DefaultDepartment, access.RoleViewer)
	if body := wantStatus(t, "lists as a viewer", e.send("GET", "/console/lists", nil, viewer), 200); strings.Contains(body, "/console/lists/new") {
		t.Error("a viewer is offered New list")
	}
	wantStatus(t, "new list form as a viewer", e.send("GET", "/console/lists/new", nil, viewer), http.StatusForbidden)
	vform := url.Values{"slug": {"viewers"}, "name": {"V"}, "purpose": {"x"}, "optin": {"single"}, "csrf": {e.csrfOf(viewer)}}
	wantStatus(t, "create as a viewer", e.send("POST", "/console/lists", vform, viewer), http.StatusForbidden)
	wantStatus(t, "edit as a viewer", e.send("POST", edit, url.Values{"name": {"Mine"}, "csrf": {e.csrfOf(viewer)}}, viewer), http.StatusForbidden)
	if _, ok := bySlug("viewers"); ok {
		t.Fatal("a viewer created a list")
	}
	if got, _ := bySlug("weekly"); got.Name != "Friday news" {
		t.Fatalf("a viewer renamed the list: %+v", got)
	}
}
