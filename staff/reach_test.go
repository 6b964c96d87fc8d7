package staff_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestAdminReachesOnlyTheirDepartmentsPeople: an administrator of one
// department cannot pull a person of a department they do not work in into
// theirs by guessing the id (which also answered with that person's address
// and memberships), nor see or end a person's sessions in another
// department. A person who shares a department with the administrator can
// be added.
func TestAdminReachesOnlyTheirDepartmentsPeople(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	bob := f.person("bob@example.org", "viewer")
	sales := f.adminOfSales(root.ID)
	sam, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "sam@example.org", Name: "Sam", DepartmentID: sales.ID,
		Role: "admin", Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetMembership(t.Context(), bob.ID, sales.ID, "marketer"); err != nil {
		t.Fatal(err)
	}
	bobSecret, bobActor, err := f.login("bob@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	if bobActor.DepartmentID != 1 {
		t.Fatalf("bob's session starts in %d", bobActor.DepartmentID)
	}
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("sam@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	annPath := "/api/v1/persons/" + strconv.FormatInt(ann.ID, 10)
	if r, b := call(t, hs, "PUT", annPath+"/role", `{"role":"viewer"}`, hdr); r.StatusCode != 404 || strings.Contains(b, "ann@example.org") {
		t.Fatalf("sales admin adds a person of default only: %d %s", r.StatusCode, b)
	}
	if p, _ := f.svc.Get(t.Context(), ann.ID); len(p.Memberships) != 1 {
		t.Fatalf("ann was added anyway: %+v", p.Memberships)
	}
	bobPath := "/api/v1/persons/" + strconv.FormatInt(bob.ID, 10)
	if r, b := call(t, hs, "GET", bobPath+"/sessions", "", hdr); r.StatusCode != 200 || strings.Contains(b, `"id"`) {
		t.Fatalf("sales admin sees bob's session in default: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "DELETE", bobPath+"/sessions/"+strconv.FormatInt(bobActor.SessionID, 10), "", hdr); r.StatusCode != 404 {
		t.Fatalf("sales admin ends bob's session in default: %d %s", r.StatusCode, b)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), bobSecret, ip1); err != nil {
		t.Fatalf("bob's session: %v", err)
	}
	// root administers both: in sales they may add ann, whom they know from default.
	ctx := access.WithActor(access.WithDepartment(context.Background(), sales.ID),
		access.Actor{PersonID: root.ID, DepartmentID: sales.ID})
	if _, err := f.svc.Addable(ctx, ann.ID); err != nil {
		t.Fatalf("root adds ann to sales: %v", err)
	}
	samCtx := access.WithActor(access.WithDepartment(context.Background(), sales.ID),
		access.Actor{PersonID: sam.ID, DepartmentID: sales.ID})
	if _, err := f.svc.Addable(samCtx, bob.ID); err != nil {
		t.Fatalf("sam adds bob, who works in sales: %v", err)
	}
}

// TestInvitationsAndAddNeedTheirDepartments: an administrator sees, sends
// again and revokes the invitations of their own department only (another
// department's is not found, and its link keeps working). And an
// administrator adds a person from a department they share only when they
// manage users there too: working there as a viewer is not enough.
func TestInvitationsAndAddNeedTheirDepartments(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	sales := f.adminOfSales(root.ID)
	sam, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "sam@example.org", Name: "Sam", DepartmentID: sales.ID,
		Role: "admin", Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	inDefault, link, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "ivy@example.org", DepartmentID: 1, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	inSales, _, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "ted@example.org", DepartmentID: sales.ID, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("sam@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	for _, c := range []struct{ method, path string }{{"GET", ""}, {"POST", "/resend"}, {"DELETE", ""}} {
		if r, b := call(t, hs, c.method, "/api/v1/invitations/"+inDefault.ID+c.path, "", hdr); r.StatusCode != 404 || strings.Contains(b, "ivy") {
			t.Fatalf("sales admin %s default's invitation%s: %d %s", c.method, c.path, r.StatusCode, b)
		}
	}
	if r, b := call(t, hs, "GET", "/api/v1/invitations", "", hdr); r.StatusCode != 200 || strings.Contains(b, "ivy") || !strings.Contains(b, inSales.ID) {
		t.Fatalf("sales admin lists invitations: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", "/api/v1/invitations/"+inSales.ID+"/resend", "", hdr); r.StatusCode != 200 || !strings.Contains(b, "link") {
		t.Fatalf("sales admin resends sales' invitation: %d %s", r.StatusCode, b)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "ivy's own long passphrase"); err != nil {
		t.Fatalf("default's link stopped working: %v", err)
	}

	if err := f.svc.SetMembership(t.Context(), sam.ID, 1, "viewer"); err != nil {
		t.Fatal(err)
	}
	samCtx := access.WithActor(access.WithDepartment(context.Background(), sales.ID),
		access.Actor{PersonID: sam.ID, DepartmentID: sales.ID})
	if _, err := f.svc.Addable(samCtx, ann.ID); !errors.Is(err, staff.ErrNotFound) {
		t.Fatalf("sam, a viewer in default, adds ann of default to sales: %v", err)
	}
	rootCtx := access.WithActor(access.WithDepartment(context.Background(), sales.ID),
		access.Actor{PersonID: root.ID, DepartmentID: sales.ID})
	if _, err := f.svc.Addable(rootCtx, ann.ID); err != nil {
		t.Fatalf("root, administrator of default, adds ann to sales: %v", err)
	}
}

// TestRoleOfTheSameNameInAnotherDepartment: over the API, the administrator
// of the default department saving a role "ops" with users.manage does not
// change the sales department's "ops": sales lists and invites with its own
// (lists.read only), and the person invited there gets lists.read only.
func TestRoleOfTheSameNameInAnotherDepartment(t *testing.T) {
	f := newFixture(t, staff.Options{})
	alice := f.person("alice@example.org", "admin")
	sales := f.adminOfSales(alice.ID)
	if _, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "bob@example.org", Name: "Bob", DepartmentID: sales.ID,
		Role: "admin", Password: "a long enough passphrase"}); err != nil {
		t.Fatal(err)
	}
	hs, _ := newAPI(t, f)
	headers := func(email string) map[string]string {
		secret, _, err := f.login(email, "", ip1)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	}
	bob, alice1 := headers("bob@example.org"), headers("alice@example.org")
	if r, b := call(t, hs, "PUT", "/api/v1/roles/ops", `{"permissions":["lists.read"]}`, bob); r.StatusCode != 200 {
		t.Fatalf("bob saves ops: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "PUT", "/api/v1/roles/ops", `{"permissions":["lists.read","users.manage","settings.manage"]}`, alice1); r.StatusCode != 200 {
		t.Fatalf("alice saves her own ops: %d %s", r.StatusCode, b)
	}
	for _, path := range []string{"/api/v1/roles", "/api/v1/reports/roles"} {
		r, b := call(t, hs, "GET", path, "", bob)
		var out struct{ Items []staff.Role }
		if err := json.Unmarshal([]byte(b), &out); err != nil || r.StatusCode != 200 {
			t.Fatalf("bob's %s: %d %s %v", path, r.StatusCode, b, err)
		}
		var ops []string
		for _, ro := range out.Items {
			if ro.Name == "ops" {
				ops = append(ops, fmt.Sprint(ro.Permissions))
			}
		}
		if fmt.Sprint(ops) != "[[lists.read]]" {
			t.Errorf("bob's %s lists ops as %v, want once with lists.read", path, ops)
		}
	}
	if r, b := call(t, hs, "POST", "/api/v1/persons", `{"email":"new@example.org","role":"ops"}`, bob); r.StatusCode != 201 {
		t.Fatalf("bob invites with ops: %d %s", r.StatusCode, b)
	}
	vs, err := f.svc.Invitations(t.Context(), sales.ID, 0, 100)
	if err != nil || len(vs) != 1 {
		t.Fatalf("sales' invitations: %+v %v", vs, err)
	}
	_, link, err := f.svc.RenewInvitation(t.Context(), sales.ID, vs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	_, a, err := f.login("new@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	if a.DepartmentID != sales.ID || a.Has(access.UsersManage) || a.Has(access.SettingsManage) || !a.Has(access.ListsRead) {
		t.Fatalf("invited with sales' ops: department %d, permissions %v", a.DepartmentID, a.Perms.List())
	}
}

func personID(t *testing.T, f *fixture, email string) int64 {
	t.Helper()
	var id int64
	if err := f.db.QueryRow(t.Context(), `SELECT id FROM persons WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
