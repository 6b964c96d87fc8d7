package staff_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestPatchDepartmentChangesOnlyGivenFields: PATCH /departments/current is a
// merge patch. A body naming one field leaves the main person and the
// allow-list as they were; an explicit null clears the main person; a null
// name is refused naming the field; the slug cannot be changed.
func TestPatchDepartmentChangesOnlyGivenFields(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("root@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	patch := func(body string) (int, string) {
		r, b := call(t, hs, "PATCH", "/api/v1/departments/current", body, hdr)
		return r.StatusCode, b
	}
	main := strconv.FormatInt(root.ID, 10)
	if s, b := patch(`{"name":"Default","main_person_id":` + main + `,"allow_cidrs":["127.0.0.0/8"]}`); s != 200 {
		t.Fatalf("set all: %d %s", s, b)
	}
	if s, b := patch(`{"name":"Renamed"}`); s != 200 {
		t.Fatalf("rename: %d %s", s, b)
	}
	d, err := f.svc.Department(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Renamed" || d.MainPersonID == nil || *d.MainPersonID != root.ID || len(d.AllowCIDRs) != 1 {
		t.Fatalf("a rename changed other fields: %+v", d)
	}
	if s, b := patch(`{"main_person_id":null}`); s != 200 {
		t.Fatalf("clear main person: %d %s", s, b)
	}
	if d, _ = f.svc.Department(t.Context(), 1); d.MainPersonID != nil || d.Name != "Renamed" || len(d.AllowCIDRs) != 1 {
		t.Fatalf("after clearing the main person: %+v", d)
	}
	if s, b := patch(`{"name":null}`); s != 422 || !strings.Contains(b, `"field":"name"`) {
		t.Fatalf("null name: %d %s", s, b)
	}
	if s, b := patch(`{"slug":"other"}`); s != 422 || !strings.Contains(b, `"field":"slug"`) {
		t.Fatalf("slug change: %d %s", s, b)
	}
	if s, b := patch(`{"allow_cidrs":null}`); s != 200 {
		t.Fatalf("clear allow-list: %d %s", s, b)
	}
	if d, _ = f.svc.Department(t.Context(), 1); len(d.AllowCIDRs) != 0 || d.Name != "Renamed" {
		t.Fatalf("after clearing the allow-list: %+v", d)
	}
}

// TestDepartmentAllowListKeepsTheSaver: an allow-list that leaves out the
// address the change is made from (the test client's 127.0.0.1) would
// lock the whole department out at once; it is refused naming
// allow_cidrs and saying so, the department keeps its list and still
// answers. A list holding the address is saved; a new department is held
// to the same rule.
func TestDepartmentAllowListKeepsTheSaver(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("root@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/api/v1/departments/current", `{"allow_cidrs":["192.0.2.0/24","2001:db8::/32"]}`},
		{"POST", "/api/v1/departments", `{"slug":"sales","name":"Sales","allow_cidrs":["192.0.2.0/24"]}`},
	} {
		r, b := call(t, hs, c.method, c.path, c.body, hdr)
		if r.StatusCode != 422 || !strings.Contains(b, `"field":"allow_cidrs"`) || !strings.Contains(b, "locked out") {
			t.Errorf("%s %s leaving out the saver: %d %s", c.method, c.path, r.StatusCode, b)
		}
	}
	if d, _ := f.svc.Department(t.Context(), 1); len(d.AllowCIDRs) != 0 {
		t.Fatalf("the refused list was saved: %+v", d)
	}
	if r, b := call(t, hs, "GET", "/api/v1/persons", "", hdr); r.StatusCode != 200 {
		t.Fatalf("the department no longer answers: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "PATCH", "/api/v1/departments/current", `{"allow_cidrs":["192.0.2.0/24","127.0.0.1/32"]}`, hdr); r.StatusCode != 200 {
		t.Fatalf("a list holding the saver: %d %s", r.StatusCode, b)
	}
}
