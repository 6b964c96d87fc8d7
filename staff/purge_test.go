package staff_test

import (
	"errors"
	"testing"
	"time"

	"github.com/postbode/postbode/staff"
)

// TestPurgeEnded: the janitor's purge deletes the invitations that
// closed longer than the retention ago (accepted, revoked, or expired
// unanswered) and keeps pending ones, however old, and ones closed more
// recently; the audit log keeps every invitation's history.
func TestPurgeEnded(t *testing.T) {
	const retention = 30 * 24 * time.Hour
	f := newFixture(t, staff.Options{InviteTTL: 72 * time.Hour, EndedRetention: retention})
	ctx := t.Context()
	start := f.now
	invite := func(email string) (staff.Invitation, string) {
		t.Helper()
		v, secret, err := f.svc.Invite(ctx, staff.NewPerson{Email: email, Name: "N", DepartmentID: 1, Role: "viewer"})
		if err != nil {
			t.Fatalf("invite %s: %v", email, err)
		}
		return v, secret
	}
	revoke := func(v staff.Invitation) {
		t.Helper()
		if _, err := f.svc.RevokeInvitation(ctx, 1, v.ID); err != nil {
			t.Fatalf("revoke %s: %v", v.Email, err)
		}
	}
	// Closed 40 days before the purge (its run is at start + 40 days).
	expired, _ := invite("expired@example.org") // expires at start + 3 days: 37 days before
	revoked, _ := invite("revoked@example.org")
	revoke(revoked)
	accepted, secret := invite("accepted@example.org")
	if _, err := f.svc.AcceptInvite(ctx, secret, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	// Made 40 days before the purge, sent again the day before: pending.
	resent, _ := invite("resent@example.org")
	// Closed recently: revoked 10 days before the purge, expired 2 days before.
	f.now = start.Add(30 * 24 * time.Hour)
	recentRevoked, _ := invite("recent-revoked@example.org")
	revoke(recentRevoked)
	f.now = start.Add(35 * 24 * time.Hour)
	recentExpired, _ := invite("recent-expired@example.org")
	f.now = start.Add(39 * 24 * time.Hour)
	if _, _, err := f.svc.RenewInvitation(ctx, 1, resent.ID); err != nil {
		t.Fatal(err)
	}
	f.now = start.Add(40 * 24 * time.Hour)
	pending, _ := invite("pending@example.org")

	var auditBefore int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE target_kind = 'invitation'`).Scan(&auditBefore); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.PurgeEnded(ctx)
	if err != nil || n != 3 {
		t.Fatalf("purge: %d, %v; want 3 (expired, revoked, accepted)", n, err)
	}
	for _, v := range []staff.Invitation{expired, revoked, accepted} {
		if _, err := f.svc.Invitation(ctx, 1, v.ID); !errors.Is(err, staff.ErrInvitationNotFound) {
			t.Errorf("%s closed 37+ days ago kept: %v", v.Email, err)
		}
	}
	for _, v := range []staff.Invitation{resent, recentRevoked, recentExpired, pending} {
		if _, err := f.svc.Invitation(ctx, 1, v.ID); err != nil {
			t.Errorf("%s deleted: %v", v.Email, err)
		}
	}
	if v, _ := f.svc.Invitation(ctx, 1, resent.ID); v.Status != staff.InvitationPending {
		t.Errorf("the invitation sent again is %s, want pending", v.Status)
	}
	var auditAfter, personOfAccepted int
	if err := f.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_log WHERE target_kind = 'invitation'),
		(SELECT count(*) FROM persons WHERE email = 'accepted@example.org')`).Scan(&auditAfter, &personOfAccepted); err != nil {
		t.Fatal(err)
	}
	if auditAfter != auditBefore || auditBefore == 0 {
		t.Errorf("audit entries of invitations: %d before the purge, %d after", auditBefore, auditAfter)
	}
	if personOfAccepted != 1 {
		t.Errorf("the account made by accepting went with its invitation (%d)", personOfAccepted)
	}
	// Nothing more is due; the recent ones go once their time has come.
	if n, err := f.svc.PurgeEnded(ctx); err != nil || n != 0 {
		t.Fatalf("second purge: %d, %v; want 0", n, err)
	}
	f.now = start.Add(66 * 24 * time.Hour) // recent-expired closed at day 38: 28 days ago
	if n, err := f.svc.PurgeEnded(ctx); err != nil || n != 1 {
		t.Fatalf("purge at day 66: %d, %v; want 1 (recent-revoked)", n, err)
	}
	if _, err := f.svc.Invitation(ctx, 1, recentRevoked.ID); !errors.Is(err, staff.ErrInvitationNotFound) {
		t.Errorf("revoked at day 30 kept at day 66: %v", err)
	}
}

// TestPurgeEndedSessionsLinksFailures: the purge deletes sessions, links and
// failed logins (the IP addresses and browsers they hold) once they ended
// longer than the retention ago, and keeps the live ones and those that
// ended more recently.
func TestPurgeEndedSessionsLinksFailures(t *testing.T) {
	const retention = 30 * 24 * time.Hour
	f := newFixture(t, staff.Options{EndedRetention: retention, SessionIdle: time.Hour, SessionAbsolute: 12 * time.Hour})
	ctx := t.Context()
	start := f.now
	f.person("ann@example.org", "marketer")
	f.person("bob@example.org", "marketer")
	count := func() (sessions, links, failures int) {
		t.Helper()
		if err := f.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM person_links),
			(SELECT count(*) FROM login_failures)`).Scan(&sessions, &links, &failures); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Day 0: a session signed out, one left to expire, a failed login and a
	// reset link nobody used.
	out, _, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, out); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.login("bob@example.org", "", ip1); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.svc.Login(ctx, staff.LoginInput{Email: "ann@example.org", Password: "wrong guess here", IP: ip1}); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if _, _, err := f.svc.RequestReset(ctx, "ann@example.org"); err != nil {
		t.Fatal(err)
	}
	// Day 25: the same again, recent at the purge.
	f.now = start.Add(25 * 24 * time.Hour)
	if _, _, err := f.login("bob@example.org", "", ip1); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.svc.Login(ctx, staff.LoginInput{Email: "bob@example.org", Password: "wrong guess here", IP: ip1}); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if _, _, err := f.svc.RequestReset(ctx, "bob@example.org"); err != nil {
		t.Fatal(err)
	}
	// Day 40: a live session.
	f.now = start.Add(40 * 24 * time.Hour)
	live, _, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	s0, l0, f0 := count()
	if s0 != 4 || l0 != 2 || f0 != 2 {
		t.Fatalf("before the purge: %d sessions, %d links, %d failed logins; want 4, 2, 2", s0, l0, f0)
	}
	n, err := f.svc.PurgeEnded(ctx)
	if err != nil || n != 4 {
		t.Fatalf("purge: %d, %v; want 4 (two sessions, a link and a failed login of day 0)", n, err)
	}
	if s, l, fl := count(); s != 2 || l != 1 || fl != 1 {
		t.Errorf("after the purge: %d sessions, %d links, %d failed logins; want 2, 1, 1", s, l, fl)
	}
	if _, _, err := f.svc.Authenticate(ctx, live, ip1); err != nil {
		t.Errorf("the live session went with the purge: %v", err)
	}
	f.now = start.Add(60 * 24 * time.Hour)
	if n, err := f.svc.PurgeEnded(ctx); err != nil || n != 3 {
		t.Fatalf("purge at day 60: %d, %v; want 3 (day 25's session, link and failed login)", n, err)
	}
}
