package staff_test

import (
	"strconv"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestNoOneGivesPermissionsTheyLack: a person whose custom role may manage
// people but not everything cannot make themself or anyone else an
// administrator, invite with a stronger role, or widen a role beyond their
// own permissions; within their own permissions they can.
func TestNoOneGivesPermissionsTheyLack(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	if _, err := f.svc.SaveRole(t.Context(), "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	lee := f.person("lee@example.org", "lead")
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("lee@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	self := "/api/v1/persons/" + strconv.FormatInt(lee.ID, 10) + "/role"
	for _, c := range []struct{ method, path, body string }{
		{"PUT", self, `{"role":"admin"}`},
		{"POST", "/api/v1/persons", `{"email":"pal@example.org","name":"Pal","role":"privacy"}`},
		{"PUT", "/api/v1/roles/lead", `{"permissions":["users.manage","lists.read","campaigns.read","privacy.export"]}`},
	} {
		if r, b := call(t, hs, c.method, c.path, c.body, hdr); r.StatusCode != 403 {
			t.Errorf("%s %s %s: %d %s, want 403", c.method, c.path, c.body, r.StatusCode, b)
		}
	}
	if p, _ := f.svc.Get(t.Context(), lee.ID); p.Memberships[0].Role != "lead" {
		t.Fatalf("lee's role: %+v", p.Memberships)
	}
	if r, b := call(t, hs, "POST", "/api/v1/persons", `{"email":"pal@example.org","name":"Pal","role":"viewer"}`, hdr); r.StatusCode != 201 {
		t.Fatalf("invite a viewer: %d %s", r.StatusCode, b)
	}
}
