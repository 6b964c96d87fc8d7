package staff_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestPersonsShowOnlyDepartmentsTheViewerManages: root administers the
// default department and "two"; eve only the default one; carol is an
// administrator of the default department and a viewer (no users.manage)
// in "two"; sam works in both. Over the API, eve sees of root and sam
// only their roles in the default department (the person, the persons
// list, the people report as JSON and CSV, the answer to giving a role),
// and so does carol; root, who manages both, sees both; carol sees all of
// her own.
func TestPersonsShowOnlyDepartmentsTheViewerManages(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	f.person("eve@example.org", "admin")
	carol := f.person("carol@example.org", "admin")
	sam := f.person("sam@example.org", "marketer")
	two, err := f.svc.SaveDepartment(t.Context(), staff.Department{Slug: "two", Name: "Second Floor"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		id   int64
		role string
	}{{root.ID, "admin"}, {carol.ID, "viewer"}, {sam.ID, "privacy"}} {
		if err := f.svc.SetMembership(t.Context(), m.id, two.ID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	hs, _ := newAPI(t, f)
	sessions := map[string]map[string]string{}
	for _, who := range []string{"root", "eve", "carol"} {
		sessions[who] = signIn(t, f, who+"@example.org")
	}
	// depts is the departments of the memberships of person id that who
	// reads from GET /api/v1/persons/{id}.
	depts := func(who string, id int64) []int64 {
		t.Helper()
		r, b := call(t, hs, "GET", "/api/v1/persons/"+strconv.FormatInt(id, 10), "", sessions[who])
		var p staff.Person
		if r.StatusCode != 200 || json.Unmarshal([]byte(b), &p) != nil || p.ID != id {
			t.Fatalf("%s reads person %d: %d %s", who, id, r.StatusCode, b)
		}
		var out []int64
		for _, m := range p.Memberships {
			out = append(out, m.DepartmentID)
		}
		return out
	}
	one, both := []int64{1}, []int64{1, two.ID}
	for _, c := range []struct {
		who  string
		of   staff.Person
		want []int64
	}{
		{"eve", root, one}, {"eve", sam, one}, {"eve", carol, one},
		{"carol", root, one}, {"carol", sam, one}, // a viewer in two manages nobody there
		{"carol", carol, both}, // her own: all
		{"root", sam, both}, {"root", carol, both}, {"root", root, both},
	} {
		if got := depts(c.who, c.of.ID); !slices.Equal(got, c.want) {
			t.Errorf("%s sees %s in departments %v, want %v", c.who, c.of.Email, got, c.want)
		}
	}

	// The lists and the report say nothing of "two" to eve, and all of it
	// to root.
	for _, path := range []string{"/api/v1/persons", "/api/v1/reports/people", "/api/v1/reports/people?format=csv"} {
		r, b := call(t, hs, "GET", path, "", sessions["eve"])
		if r.StatusCode != 200 || !strings.Contains(b, "sam@example.org") || strings.Contains(b, "Second Floor") ||
			strings.Contains(b, `"department_slug":"two"`) || strings.Contains(b, ",two,") || strings.Contains(b, "privacy") {
			t.Errorf("eve's %s names department two: %d %s", path, r.StatusCode, b)
		}
		r, b = call(t, hs, "GET", path, "", sessions["root"])
		if r.StatusCode != 200 || !strings.Contains(b, "privacy") ||
			!(strings.Contains(b, `"department_slug":"two"`) || strings.Contains(b, ",two,privacy")) {
			t.Errorf("root's %s lacks department two: %d %s", path, r.StatusCode, b)
		}
	}
	// Giving sam a role answers with sam as eve sees them.
	r, b := call(t, hs, "PUT", "/api/v1/persons/"+strconv.FormatInt(sam.ID, 10)+"/role", `{"role":"viewer"}`, sessions["eve"])
	if r.StatusCode != 200 || strings.Contains(b, "Second Floor") || !strings.Contains(b, `"role":"viewer"`) {
		t.Errorf("eve sets sam's role: %d %s", r.StatusCode, b)
	}
	// Her own account (auth/me) shows carol every department she works in.
	if r, b := call(t, hs, "GET", "/api/v1/auth/me", "", sessions["carol"]); r.StatusCode != 200 || !strings.Contains(b, "Second Floor") {
		t.Errorf("carol's own memberships: %d %s", r.StatusCode, b)
	}
}
