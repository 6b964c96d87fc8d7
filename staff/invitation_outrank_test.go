package staff_test

import (
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestNoOneResendsOrRevokesAnInvitationBeyondTheirPermissions: a person
// whose custom role may manage people but not everything cannot send again
// (and so, without a mailer, be handed the link of) nor revoke an
// invitation to a role they could not grant: accepting that link as a new
// account would give them the administrator's permissions. A viewer's
// invitation, whose permissions they all hold, they can.
func TestNoOneResendsOrRevokesAnInvitationBeyondTheirPermissions(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	if _, err := f.svc.SaveRole(t.Context(), "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	f.person("lee@example.org", "lead")
	hs, _ := newAPI(t, f)
	lead := signIn(t, f, "lee@example.org")
	adm, _, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "boss@example.org", DepartmentID: 1, Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{{"POST", "/resend"}, {"DELETE", ""}} {
		r, b := call(t, hs, c.method, "/api/v1/invitations/"+adm.ID+c.path, "", lead)
		if r.StatusCode != 403 || !strings.Contains(b, "beyond_own_permissions") || strings.Contains(b, "token=") {
			t.Errorf("lead: %s %s of an admin invitation: %d %s, want 403 beyond_own_permissions", c.method, c.path, r.StatusCode, b)
		}
	}
	if v, _ := f.svc.Invitation(t.Context(), 1, adm.ID); v.Status != staff.InvitationPending || !v.SentAt.Equal(adm.SentAt) {
		t.Fatalf("the admin invitation was changed: %+v", v)
	}
	vw, _, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "view@example.org", DepartmentID: 1, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{{"POST", "/resend", 200}, {"DELETE", "", 204}} {
		if r, b := call(t, hs, c.method, "/api/v1/invitations/"+vw.ID+c.path, "", lead); r.StatusCode != c.want {
			t.Errorf("lead: %s %s of a viewer invitation: %d %s, want %d", c.method, c.path, r.StatusCode, b, c.want)
		}
	}
}
