package staff_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestLaterAccessChangeRevokesPendingInvitation: a change to a person's
// access is the newest word on it. A person of another department invited
// here as an administrator, then added by id and demoted (or removed)
// before opening the link, cannot regain the administrator role through
// the old link: giving a role, removing from the department and disabling
// the account each revoke the pending invitations of the person's address
// (in that department; for disabling, in every one), audited as
// invitation-revoke with cause "superseded". So does accepting, for an
// account given a role in the department after the invitation was made:
// the role stays. An invitation of another address is untouched.
func TestLaterAccessChangeRevokesPendingInvitation(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	// Each invitee works in north, where root is an administrator too
	// (so root may add them here by id).
	north := func(email string) staff.Person {
		t.Helper()
		p, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: email, Name: "N", DepartmentSlug: "north",
			Role: "viewer", Password: "a long enough passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	demoted, removed, disabled := north("demoted@example.org"), north("removed@example.org"), north("disabled@example.org")
	if err := f.svc.SetMembership(t.Context(), root.ID, demoted.Memberships[0].DepartmentID, "admin"); err != nil {
		t.Fatal(err)
	}
	hdr := signIn(t, f, "root@example.org")
	invite := func(email string) (staff.Invitation, string) {
		t.Helper()
		r, b := call(t, hs, "POST", "/api/v1/invitations", `{"email":"`+email+`","name":"N","role":"admin"}`, hdr)
		var a apiAnswer
		if err := json.Unmarshal([]byte(b), &a); err != nil || r.StatusCode != http.StatusCreated {
			t.Fatalf("invite %s: %d %s", email, r.StatusCode, b)
		}
		return a.Invitation, tokenOf(a.Link)
	}
	do := func(method string, p staff.Person, suffix, body string) {
		t.Helper()
		if r, b := call(t, hs, method, "/api/v1/persons/"+strconv.FormatInt(p.ID, 10)+suffix, body, hdr); r.StatusCode/100 != 2 {
			t.Fatalf("%s %s of %s: %d %s", method, suffix, p.Email, r.StatusCode, b)
		}
	}
	accept := func(p staff.Person, link string) {
		t.Helper()
		r, b := call(t, hs, "POST", "/api/v1/auth/accept", `{"token":"`+link+`","password":"a long enough passphrase"}`, nil)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s accepts the invitation from before the change: %d %s", p.Email, r.StatusCode, b)
		}
	}
	roleHere := func(p staff.Person) string {
		t.Helper()
		got, err := f.svc.Get(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got.Memberships {
			if m.DepartmentID == 1 {
				return m.Role
			}
		}
		return ""
	}
	other, otherLink := invite("olga@example.org")

	// Added by id as an administrator, then demoted: the old link does not
	// make them an administrator again.
	vDemoted, link := invite(demoted.Email)
	do("PUT", demoted, "/role", `{"role":"admin"}`)
	do("PUT", demoted, "/role", `{"role":"viewer"}`)
	accept(demoted, link)
	if got := roleHere(demoted); got != "viewer" {
		t.Errorf("after the old link, %s is %q here, want viewer", demoted.Email, got)
	}

	// Added, then removed: the old link does not bring them back.
	vRemoved, link := invite(removed.Email)
	do("PUT", removed, "/role", `{"role":"viewer"}`)
	do("DELETE", removed, "/role", "")
	accept(removed, link)
	if got := roleHere(removed); got != "" {
		t.Errorf("after the old link, %s is %q here, want no role", removed.Email, got)
	}

	// Disabled and enabled again: the account's links ended for good.
	vDisabled, link := invite(disabled.Email)
	if err := f.svc.Disable(context.Background(), disabled.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Enable(context.Background(), disabled.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "a long enough passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Errorf("%s accepts the invitation from before being disabled: %v", disabled.Email, err)
	}
	if got := roleHere(disabled); got != "" {
		t.Errorf("after the old link, %s is %q here, want no role", disabled.Email, got)
	}

	// Given a role while the invitation was being made (so the invitation
	// did not see it): the role stays, and the link is refused and revoked.
	added := north("added@example.org")
	vAdded, link := invite(added.Email)
	if _, err := f.db.Exec(t.Context(), `INSERT INTO memberships (person_id, department_id, role_id)
		SELECT $1, 1, id FROM roles WHERE name = 'viewer' AND builtin`, added.ID); err != nil {
		t.Fatal(err)
	}
	accept(added, link)
	if got := roleHere(added); got != "viewer" {
		t.Errorf("after the old link, %s is %q here, want viewer", added.Email, got)
	}

	for _, v := range []staff.Invitation{vDemoted, vRemoved, vDisabled, vAdded} {
		got, err := f.svc.Invitation(t.Context(), 1, v.ID)
		if err != nil || got.Status != staff.InvitationRevoked {
			t.Errorf("invitation of %s: %q %v, want revoked", v.Email, got.Status, err)
		}
	}
	var superseded int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'invitation-revoke'
		AND cause = 'superseded' AND department_id = 1 AND target_kind = 'invitation'`).Scan(&superseded); err != nil {
		t.Fatal(err)
	}
	if superseded != 4 {
		t.Errorf("%d superseded invitations audited, want 4", superseded)
	}
	// Another address's invitation still works.
	p, err := f.svc.AcceptInvite(t.Context(), otherLink, "another long passphrase")
	if err != nil || len(p.Memberships) != 1 || p.Memberships[0].Role != "admin" || other.Status != staff.InvitationPending {
		t.Fatalf("an unrelated invitation: %+v %v", p, err)
	}
}
