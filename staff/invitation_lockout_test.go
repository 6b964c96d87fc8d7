package staff_test

import (
	"errors"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestInvitationGuessesLockTheAccount: accepting an invitation of an
// address that has an account takes the account's password, and wrong
// ones count as failed logins: past MaxFailures the right password is
// refused (ErrLocked) there and at the login, and the invitation stays
// open (not bound to the account).
func TestInvitationGuessesLockTheAccount(t *testing.T) {
	f := newFixture(t, staff.Options{MaxFailures: 3})
	f.person("ann@example.org", "viewer")
	v, link, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "ANN@example.org", DepartmentSlug: "other", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := f.svc.AcceptInvite(t.Context(), link, "a wrong guess number x"); err == nil || errors.Is(err, staff.ErrLocked) {
			t.Fatalf("guess %d: %v, want a wrong password", i, err)
		}
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "a long enough passphrase"); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("the right password after 3 wrong ones: %v, want ErrLocked", err)
	}
	if _, _, err := f.login("ann@example.org", "", ip1); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("login after 3 wrong invitation guesses: %v, want ErrLocked", err)
	}
	if got, _ := f.svc.Invitation(t.Context(), v.DepartmentID, v.ID); got.Status != staff.InvitationPending {
		t.Fatalf("invitation after the guesses: %q", got.Status)
	}
}
