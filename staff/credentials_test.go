package staff_test

import (
	"errors"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestLinksDieWhenThePasswordChanges: a reset or invitation link works once
// and only while the password is the one it was made for. Changing the
// password by another way (the person themself, another link) or disabling
// the person kills it, also after the person is enabled again.
func TestLinksDieWhenThePasswordChanges(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	_, r1, err := f.svc.RequestReset(t.Context(), "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangePassword(t.Context(), ann.ID, 0, "a long enough passphrase", "my own new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), r1, "an attacker's passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("reset link after the person changed the password: %v", err)
	}

	_, r2, _ := f.svc.RequestReset(t.Context(), "ann@example.org")
	if err := f.svc.Disable(t.Context(), ann.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Enable(t.Context(), ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), r2, "an attacker's passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("reset link from before the person was disabled: %v", err)
	}

	// An invitation link dies when it is sent again with a new one.
	v, i1, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "new@example.org", DepartmentID: 1, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	_, i2, _ := f.svc.RenewInvitation(t.Context(), 1, v.ID)
	if _, err := f.svc.AcceptInvite(t.Context(), i2, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), i1, "an attacker's passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("first invitation after the second was used: %v", err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), i2, "an attacker's passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("invitation used twice: %v", err)
	}
}

// TestPasswordChangeEndsOtherSessions: changing one's password needs the
// current one and ends every other session of the person; the session that
// made the change stays. A reset by link ends all of them.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	f := newFixture(t, staff.Options{})
	ann := f.person("ann@example.org", "marketer")
	here, a, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := f.login("ann@example.org", "", ip2)
	if err := f.svc.ChangePassword(t.Context(), ann.ID, a.SessionID, "wrong passphrase!!", "my own new passphrase"); err == nil {
		t.Fatal("changed without the current password")
	}
	if err := f.svc.ChangePassword(t.Context(), ann.ID, a.SessionID, "a long enough passphrase", "short"); err == nil {
		t.Fatal("weak new password accepted")
	}
	if _, _, err := f.svc.Authenticate(t.Context(), other, ip2); err != nil {
		t.Fatalf("a refused change ended a session: %v", err)
	}
	if err := f.svc.ChangePassword(t.Context(), ann.ID, a.SessionID, "a long enough passphrase", "my own new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), other, ip2); err == nil {
		t.Fatal("another session survived the password change")
	}
	if _, _, err := f.svc.Authenticate(t.Context(), here, ip1); err != nil {
		t.Fatalf("the changing session ended: %v", err)
	}
	_, reset, _ := f.svc.RequestReset(t.Context(), "ann@example.org")
	if _, err := f.svc.ResetPassword(t.Context(), reset, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), here, ip1); err == nil {
		t.Fatal("a session survived a reset by link")
	}
}

// TestDisableEndsTokensForGood: a disabled person's API tokens stop at once
// and stay revoked when the person is enabled again.
func TestDisableEndsTokensForGood(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	ctx := access.WithDepartment(t.Context(), 1)
	_, secret, err := f.svc.CreateToken(ctx, "ann's script", ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(t.Context(), secret, ip1); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Disable(t.Context(), ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(t.Context(), secret, ip1); err == nil {
		t.Fatal("token of a disabled person works")
	}
	if err := f.svc.Enable(t.Context(), ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(t.Context(), secret, ip1); err == nil {
		t.Fatal("token came back when the person was enabled again")
	}
}

// TestWrongCurrentPasswordLocksTheAccount: guessing the current password
// through a password change counts like a failed login: after MaxFailures
// wrong guesses the change is refused with ErrLocked even with the right
// password, signing in is refused too, and both work again once the
// window has passed.
func TestWrongCurrentPasswordLocksTheAccount(t *testing.T) {
	f := newFixture(t, staff.Options{MaxFailures: 3, LockoutWindow: 15 * time.Minute})
	ann := f.person("ann@example.org", "marketer")
	_, a, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := access.WithActor(t.Context(), a)
	for i := range 3 {
		err := f.svc.ChangePassword(ctx, ann.ID, a.SessionID, "wrong passphrase!!", "my own new passphrase")
		if err == nil || errors.Is(err, staff.ErrLocked) {
			t.Fatalf("wrong guess %d: %v, want a refusal that is not yet the lock", i+1, err)
		}
	}
	if err := f.svc.ChangePassword(ctx, ann.ID, a.SessionID, "a long enough passphrase", "my own new passphrase"); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("right password after %d wrong guesses: %v, want ErrLocked", 3, err)
	}
	if _, _, err := f.login("ann@example.org", "", ip2); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("login while locked: %v, want ErrLocked", err)
	}
	f.now = f.now.Add(16 * time.Minute)
	if err := f.svc.ChangePassword(ctx, ann.ID, a.SessionID, "a long enough passphrase", "my own new passphrase"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
