package staff_test

import (
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestAccountEventsAreAuditedWhereThePersonWorks: what happens to an
// account outside any department's request — an invitation accepted, a
// password set from a reset link, a failed login — is written to the
// audit log of the departments the person works in, so those departments'
// auditors see it and another department's (the default one's) do not.
func TestAccountEventsAreAuditedWhereThePersonWorks(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	lead, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "lead@example.org", Name: "Lead",
		DepartmentSlug: "north", Role: "admin", Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	north := lead.Memberships[0].DepartmentID
	_, secret, err := f.svc.Invite(access.WithDepartment(t.Context(), north), staff.NewPerson{Email: "nadia@example.org",
		Name: "Nadia", DepartmentID: north, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	nadia, err := f.svc.AcceptInvite(t.Context(), secret, "her long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.svc.Login(t.Context(), staff.LoginInput{Email: "nadia@example.org", Password: "not her password at all", IP: ip1}); err == nil {
		t.Fatal("a wrong password signed in")
	}
	_, reset, err := f.svc.RequestReset(t.Context(), "nadia@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), reset, "her new long passphrase here"); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.Query(t.Context(), `SELECT action, department_id FROM audit_log WHERE target_kind = 'person' AND target_id = $1
		AND action IN ('person-activate', 'login-failed', 'password-reset') ORDER BY id`, nadia.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var action string
		var dept int64
		if err := rows.Scan(&action, &dept); err != nil {
			t.Fatal(err)
		}
		seen[action] = true
		if dept != north {
			t.Errorf("%s of a person of department %d written to department %d", action, north, dept)
		}
	}
	if rows.Err() != nil || len(seen) != 3 {
		t.Fatalf("entries: %v %v", seen, rows.Err())
	}
}

// TestLogoutOutsideARequestIsAuditedInTheSessionsDepartment: a session
// ended by its secret alone (the console's login form ends the session of
// an old cookie) is audited in the department the session worked in.
func TestLogoutOutsideARequestIsAuditedInTheSessionsDepartment(t *testing.T) {
	f := newFixture(t, staff.Options{})
	lead, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "lead@example.org", Name: "Lead",
		DepartmentSlug: "north", Role: "admin", Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	ses, secret, _, err := f.svc.Login(t.Context(), staff.LoginInput{Email: "lead@example.org", Password: "a long enough passphrase", IP: ip1})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	var dept int64
	if err := f.db.QueryRow(t.Context(), `SELECT department_id FROM audit_log WHERE action = 'logout' AND target_id = $1`, ses.ID).Scan(&dept); err != nil {
		t.Fatal(err)
	}
	if dept != lead.Memberships[0].DepartmentID {
		t.Fatalf("logout of a session of department %d written to department %d", lead.Memberships[0].DepartmentID, dept)
	}
}
