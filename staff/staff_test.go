package staff_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

const key = "test-secret-key-0123456789abcdef0123"

var (
	ip1 = netip.MustParseAddr("192.0.2.1")
	ip2 = netip.MustParseAddr("2001:db8::2")
)

type fixture struct {
	t   *testing.T
	db  *db.Pool
	svc *staff.Service
	now time.Time
}

func newFixture(t *testing.T, opt staff.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, db: testenv.DB(t), now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	f.svc = staff.New(f.db, key, opt)
	f.svc.SetClock(func() time.Time { return f.now })
	return f
}

// person creates an active person with a role in the default department.
func (f *fixture) person(email, role string) staff.Person {
	f.t.Helper()
	p, err := f.svc.CreateActive(f.t.Context(), staff.NewPerson{Email: email, Name: email, DepartmentID: 1,
		Role: role, Password: "a long enough passphrase"})
	if err != nil {
		f.t.Fatalf("create %s: %v", email, err)
	}
	return p
}

func (f *fixture) login(email, code string, ip netip.Addr) (string, access.Actor, error) {
	_, secret, a, err := f.svc.Login(f.t.Context(), staff.LoginInput{Email: email, Password: "a long enough passphrase",
		Code: code, IP: ip})
	return secret, a, err
}

func TestLoginSessionAndLogout(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("ann@example.org", "marketer")
	secret, a, err := f.login("ANN@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Has(access.CampaignsSend) || a.Has(access.PrivacyErase) || a.DepartmentID != 1 {
		t.Fatalf("actor %+v", a)
	}
	got, _, err := f.svc.Authenticate(t.Context(), secret, ip1)
	if err != nil || got.PersonID != a.PersonID || got.Role != "marketer" {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	// A second login makes a new session: the secrets differ (rotation).
	secret2, _, err := f.login("ann@example.org", "", ip1)
	if err != nil || secret2 == secret {
		t.Fatalf("second login: %v same=%v", err, secret2 == secret)
	}
	if ss, _ := f.svc.Sessions(t.Context(), a.PersonID); len(ss) != 2 {
		t.Fatalf("sessions: %d", len(ss))
	}
	if err := f.svc.Logout(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Fatalf("after logout: %v", err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), secret2, ip1); err != nil {
		t.Fatalf("other session: %v", err)
	}
}

func TestSessionTimeouts(t *testing.T) {
	f := newFixture(t, staff.Options{SessionIdle: 10 * time.Minute, SessionAbsolute: time.Hour})
	f.person("ann@example.org", "viewer")
	secret, _, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	// Used every 9 minutes it stays alive until the absolute timeout.
	for i := 0; i < 6; i++ {
		f.now = f.now.Add(9 * time.Minute)
		if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	f.now = f.now.Add(7 * time.Minute) // 61 minutes after login
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Fatalf("absolute: %v", err)
	}
	secret, _, _ = f.login("ann@example.org", "", ip1)
	f.now = f.now.Add(11 * time.Minute)
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Fatalf("idle: %v", err)
	}
}

func TestLoginErrorsAndLockout(t *testing.T) {
	f := newFixture(t, staff.Options{MaxFailures: 3, MaxIPFailures: 5})
	f.person("ann@example.org", "viewer")
	f.person("bob@example.org", "viewer")
	bad := func(email string, ip netip.Addr) error {
		_, _, _, err := f.svc.Login(t.Context(), staff.LoginInput{Email: email, Password: "wrong password!!", IP: ip})
		return err
	}
	if err := bad("nobody@example.org", ip2); !errors.Is(err, staff.ErrBadCredentials) {
		t.Fatalf("unknown address: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := bad("ann@example.org", ip1); !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	// Locked: even the right password is refused, with a clear message.
	if _, _, err := f.login("ann@example.org", "", ip2); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("locked account: %v", err)
	}
	// Two more failures from ip1 (on another account) lock the IP out.
	bad("bob@example.org", ip1)
	bad("bob@example.org", ip1)
	if _, _, err := f.login("bob@example.org", "", ip1); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("locked ip: %v", err)
	}
	if _, _, err := f.login("bob@example.org", "", ip2); err != nil {
		t.Fatalf("other ip: %v", err)
	}
	// After the window the account works again.
	f.now = f.now.Add(16 * time.Minute)
	if _, _, err := f.login("ann@example.org", "", ip1); err != nil {
		t.Fatalf("after window: %v", err)
	}
	var n int
	f.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'login-failed'`).Scan(&n)
	if n != 5 {
		t.Fatalf("login-failed audit entries: %d, want 5 (known accounts only)", n)
	}
}

func TestDisabledPersonAndRemovedMembership(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("admin@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	secret, _, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveMembership(t.Context(), ann.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); err == nil {
		t.Fatal("session survived removal from the department")
	}
	if _, _, err := f.login("ann@example.org", "", ip1); !errors.Is(err, staff.ErrNoDepartment) {
		t.Fatalf("login without department: %v", err)
	}
	f.svc.SetMembership(t.Context(), ann.ID, 1, "marketer")
	secret, _, _ = f.login("ann@example.org", "", ip1)
	if err := f.svc.Disable(t.Context(), ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); err == nil {
		t.Fatal("session survived disabling")
	}
	if _, _, err := f.login("ann@example.org", "", ip1); !errors.Is(err, staff.ErrDisabled) {
		t.Fatalf("disabled login: %v", err)
	}
}

func TestLastAdmin(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	for name, fn := range map[string]func() error{
		"demote":  func() error { return f.svc.SetMembership(t.Context(), root.ID, 1, "viewer") },
		"remove":  func() error { return f.svc.RemoveMembership(t.Context(), root.ID, 1) },
		"disable": func() error { return f.svc.Disable(t.Context(), root.ID) },
	} {
		if err := fn(); !errors.Is(err, staff.ErrLastAdmin) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if p, _ := f.svc.Get(t.Context(), root.ID); p.Status != "active" || p.Memberships[0].Role != "admin" {
		t.Fatalf("changed anyway: %+v", p)
	}
	// With a second administrator the first may be demoted.
	f.person("second@example.org", "admin")
	if err := f.svc.SetMembership(t.Context(), root.ID, 1, "viewer"); err != nil {
		t.Fatal(err)
	}
}

func TestTOTP(t *testing.T) {
	f := newFixture(t, staff.Options{})
	ann := f.person("ann@example.org", "privacy")
	// Starting a setup takes the password, as confirming it does; a wrong
	// one is a failed login and starts nothing.
	var fe *errs.Error
	if _, err := f.svc.BeginTOTP(t.Context(), ann.ID, "not the passphrase"); !errors.As(err, &fe) || fe.Field != "current_password" {
		t.Fatalf("setup with a wrong password: %v", err)
	}
	var failures int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM login_failures`).Scan(&failures); err != nil || failures != 1 {
		t.Fatalf("failed logins after a wrong password at the setup: %d, %v", failures, err)
	}
	setup, err := f.svc.BeginTOTP(t.Context(), ann.ID, "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string { c, _ := staff.TOTPCode(setup.Secret, at); return c }
	if err := f.svc.ConfirmTOTP(t.Context(), ann.ID, "a long enough passphrase", "000000"); !errors.Is(err, staff.ErrTOTPInvalid) && code(f.now) != "000000" {
		t.Fatalf("wrong confirm code: %v", err)
	}
	if err := f.svc.ConfirmTOTP(t.Context(), ann.ID, "a long enough passphrase", code(f.now)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.login("ann@example.org", "", ip1); !errors.Is(err, staff.ErrTOTPRequired) {
		t.Fatalf("no code: %v", err)
	}
	// The code used to confirm cannot be replayed in the same window.
	if _, _, err := f.login("ann@example.org", code(f.now), ip1); !errors.Is(err, staff.ErrTOTPInvalid) {
		t.Fatalf("replay: %v", err)
	}
	// One step of clock skew either way is accepted, two are not.
	f.now = f.now.Add(2 * time.Minute)
	if _, _, err := f.login("ann@example.org", code(f.now.Add(30*time.Second)), ip1); err != nil {
		t.Fatalf("skew +1: %v", err)
	}
	f.now = f.now.Add(2 * time.Minute)
	if _, _, err := f.login("ann@example.org", code(f.now.Add(-30*time.Second)), ip1); err != nil {
		t.Fatalf("skew -1: %v", err)
	}
	f.now = f.now.Add(2 * time.Minute)
	if _, _, err := f.login("ann@example.org", code(f.now.Add(-90*time.Second)), ip1); !errors.Is(err, staff.ErrTOTPInvalid) {
		t.Fatalf("skew -3: %v", err)
	}
}

func TestTOTPRequiredByRole(t *testing.T) {
	f := newFixture(t, staff.Options{RequireTOTP: []string{"privacy"}})
	f.person("ann@example.org", "privacy")
	f.person("bob@example.org", "viewer")
	if _, _, err := f.login("ann@example.org", "", ip1); !errors.Is(err, staff.ErrTOTPSetup) {
		t.Fatalf("privacy without totp: %v", err)
	}
	if _, _, err := f.login("bob@example.org", "", ip1); err != nil {
		t.Fatalf("viewer: %v", err)
	}
}

func TestInvitationAndReset(t *testing.T) {
	f := newFixture(t, staff.Options{InviteTTL: time.Hour})
	v, link, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "new@example.org", DepartmentID: 1, Role: "marketer"})
	if err != nil || v.Status != staff.InvitationPending {
		t.Fatalf("invite: %+v %v", v, err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "password123"); err == nil {
		t.Fatal("weak password accepted")
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "Password1234"); err == nil {
		t.Fatal("common password accepted")
	}
	p, err := f.svc.AcceptInvite(t.Context(), link, "a long enough passphrase")
	if err != nil || p.Status != "active" {
		t.Fatalf("accept: %+v %v", p, err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "another long passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("reused link: %v", err)
	}
	_, link2, _ := f.svc.Invite(t.Context(), staff.NewPerson{Email: "late@example.org", DepartmentID: 1, Role: "viewer"})
	f.now = f.now.Add(61 * time.Minute)
	if _, err := f.svc.AcceptInvite(t.Context(), link2, "a long enough passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("expired link: %v", err)
	}
	if _, _, err := f.login("new@example.org", "", ip1); err != nil {
		t.Fatal(err)
	}
	_, reset, err := f.svc.RequestReset(t.Context(), "new@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), reset, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.login("new@example.org", "", ip1); !errors.Is(err, staff.ErrBadCredentials) {
		t.Fatalf("old password after reset: %v", err)
	}
	if _, _, err := f.svc.RequestReset(t.Context(), "nobody@example.org"); !errors.Is(err, staff.ErrNotFound) {
		t.Fatalf("reset unknown: %v", err)
	}
}

func TestCustomRoleAndServiceToken(t *testing.T) {
	f := newFixture(t, staff.Options{})
	if _, err := f.svc.SaveRole(t.Context(), "marketer", "", nil); err == nil {
		t.Fatal("shipped role changed")
	}
	if _, err := f.svc.SaveRole(t.Context(), "temp", "", []access.Permission{"contacts.fly"}); err == nil {
		t.Fatal("unknown permission accepted")
	}
	if _, err := f.svc.SaveRole(t.Context(), "temp", "temporary worker", []access.Permission{access.ContactsRead, access.ListsRead}); err != nil {
		t.Fatal(err)
	}
	f.person("tmp@example.org", "temp")
	_, a, err := f.login("tmp@example.org", "", ip1)
	if err != nil || !a.Has(access.ContactsRead) || a.Has(access.ContactsExport) {
		t.Fatalf("temp actor: %+v %v", a, err)
	}
	roles, _ := f.svc.Roles(t.Context())
	if len(roles) != 5 || len(roles[0].Permissions) != len(access.All) {
		t.Fatalf("roles: %+v", roles)
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                        false,
		"password1234":                 false,
		"Qwertyuiop!!":                 false,
		"ann.smith is here 2026":       false, // contains the address's local part
		"correct horse battery":        true,
		"een lange zin als wachtwoord": true,
	} {
		if err := staff.CheckPassword(pw, "ann.smith@example.org"); (err == nil) != ok {
			t.Errorf("%q: %v", pw, err)
		}
	}
}

func TestDepartmentAllowList(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("ann@example.org", "marketer")
	secret, _, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := f.svc.Department(t.Context(), 1)
	d.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}
	if _, err := f.svc.SaveDepartment(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip1); !errors.Is(err, staff.ErrIPNotAllowed) {
		t.Fatalf("session from outside: %v", err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), secret, ip2); err != nil {
		t.Fatalf("session from inside: %v", err)
	}
	if _, _, err := f.login("ann@example.org", "", ip1); !errors.Is(err, staff.ErrIPNotAllowed) {
		t.Fatalf("login from outside: %v", err)
	}
}

// TestCustomRolesBelongToTheirDepartment: a custom role belongs to the
// department that made it. The administrator of another department saving
// a role of the same name makes a role of their own: the default
// department's role keeps its permissions (no one there gains
// users.manage), each department lists only its own custom roles, and a
// department cannot give a role of another department.
func TestCustomRolesBelongToTheirDepartment(t *testing.T) {
	f := newFixture(t, staff.Options{})
	inDefault := access.WithDepartment(t.Context(), 1)
	if _, err := f.svc.SaveRole(inDefault, "readers", "", []access.Permission{access.ListsRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveRole(inDefault, "auditors", "", []access.Permission{access.ListsRead}); err != nil {
		t.Fatal(err)
	}
	other := f.person("other@example.org", "viewer")
	d := f.adminOfSales(other.ID)
	inSales := access.WithDepartment(t.Context(), d.ID)
	if _, err := f.svc.SaveRole(inSales, "readers", "", []access.Permission{access.ListsRead, access.UsersManage}); err != nil {
		t.Fatalf("sales making a role of its own named readers: %v", err)
	}

	f.person("reader@example.org", "readers")
	_, a, err := f.login("reader@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Has(access.UsersManage) || !a.Has(access.ListsRead) {
		t.Fatalf("the sales administrator redefined the default department's role \"readers\": %v", a.Perms.List())
	}

	listed := func(ctx context.Context) map[string][]access.Permission {
		roles, err := f.svc.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]access.Permission{}
		for _, r := range roles {
			if _, dup := out[r.Name]; dup {
				t.Fatalf("role %q listed twice", r.Name)
			}
			out[r.Name] = r.Permissions
		}
		return out
	}
	def, sales := listed(inDefault), listed(inSales)
	if fmt.Sprint(def["readers"]) != "[lists.read]" || def["auditors"] == nil {
		t.Errorf("default department's roles: %v", def)
	}
	if _, ok := sales["auditors"]; ok || !slices.Contains(sales["readers"], access.UsersManage) || sales["admin"] == nil {
		t.Errorf("sales' roles: %v", sales)
	}

	if err := f.svc.SetMembership(inSales, other.ID, d.ID, "auditors"); err == nil {
		t.Error("sales gave the default department's role auditors")
	}
	if _, _, err := f.svc.Invite(inSales, staff.NewPerson{Email: "new@example.org", DepartmentID: d.ID, Role: "auditors"}); err == nil {
		t.Error("sales invited someone with the default department's role auditors")
	}
}

// TestLastAdminOfADepartment: an administrator of another department does
// not make the last one of this department removable.
func TestLastAdminOfADepartment(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	d := f.adminOfSales(root.ID)
	if err := f.svc.SetMembership(t.Context(), root.ID, 1, "viewer"); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("demote the last administrator of default: %v", err)
	}
	if err := f.svc.RemoveMembership(t.Context(), root.ID, d.ID); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("remove the last administrator of sales: %v", err)
	}
}

// adminOfSales makes a department "sales" with person id as its administrator.
func (f *fixture) adminOfSales(id int64) staff.Department {
	f.t.Helper()
	d, err := f.svc.SaveDepartment(f.t.Context(), staff.Department{Slug: "sales", Name: "Sales"})
	if err == nil {
		err = f.svc.SetMembership(f.t.Context(), id, d.ID, "admin")
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}
