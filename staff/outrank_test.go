package staff_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// auditCount counts the audit entries of action on person id.
func auditCount(t *testing.T, f *fixture, action string, id int64) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = $1 AND target_kind = 'person'
		AND target_id = $2`, action, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNoOneActsOnPeopleBeyondTheirPermissions: a person whose custom role
// may manage people but not everything cannot demote, remove, disable,
// enable, reset, strip the second factor of, or end the sessions of an
// administrator, nor of a marketer (who holds contacts.read, which the
// lead lacks); a viewer, whose permissions the lead all holds, they can
// manage. An administrator can do it all.
func TestNoOneActsOnPeopleBeyondTheirPermissions(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	if _, err := f.svc.SaveRole(t.Context(), "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	f.person("lee@example.org", "lead")
	adm := f.person("adm@example.org", "admin")
	mark := f.person("mark@example.org", "marketer")
	vic := f.person("vic@example.org", "viewer")
	setup, err := f.svc.BeginTOTP(t.Context(), adm.ID, "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := staff.TOTPCode(setup.Secret, f.now)
	if err := f.svc.ConfirmTOTP(t.Context(), adm.ID, "a long enough passphrase", code); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	code, _ = staff.TOTPCode(setup.Secret, f.now)
	admSecret, admActor, err := f.login("adm@example.org", code, ip1)
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("lee@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	for _, target := range []staff.Person{adm, mark} {
		path := "/api/v1/persons/" + strconv.FormatInt(target.ID, 10)
		for _, c := range []struct{ method, path, body string }{
			{"PUT", path + "/role", `{"role":"viewer"}`},
			{"DELETE", path + "/role", ""},
			{"POST", path + "/disable", ""},
			{"POST", path + "/reset", ""},
			{"DELETE", path + "/totp", ""},
			{"DELETE", path + "/sessions/" + strconv.FormatInt(admActor.SessionID, 10), ""},
		} {
			r, b := call(t, hs, c.method, c.path, c.body, hdr)
			if r.StatusCode != 403 || !strings.Contains(b, "beyond_own_permissions") {
				t.Errorf("lead: %s %s: %d %s, want 403 beyond_own_permissions", c.method, c.path, r.StatusCode, b)
			}
		}
	}
	if p, _ := f.svc.Get(t.Context(), adm.ID); p.Status != "active" || !p.TOTPEnabled || len(p.Memberships) != 1 || p.Memberships[0].Role != "admin" {
		t.Fatalf("the administrator was changed: %+v", p)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), admSecret, ip1); err != nil {
		t.Fatalf("the administrator's session ended: %v", err)
	}
	var links int
	f.db.QueryRow(t.Context(), `SELECT count(*) FROM person_links WHERE person_id = $1`, adm.ID).Scan(&links)
	if links != 0 {
		t.Fatalf("a reset link was made for the administrator")
	}
	// A disabled administrator stays disabled for the lead.
	root := access.WithActor(t.Context(), access.Actor{PersonID: 1, DepartmentID: 1, Perms: access.NewSet(access.Shipped["admin"]...)})
	if err := f.svc.Disable(root, adm.ID); err != nil {
		t.Fatal(err)
	}
	admPath := "/api/v1/persons/" + strconv.FormatInt(adm.ID, 10)
	if r, b := call(t, hs, "POST", admPath+"/enable", "", hdr); r.StatusCode != 403 {
		t.Errorf("lead enables an administrator: %d %s", r.StatusCode, b)
	}
	// Within their own permissions the lead acts.
	vicPath := "/api/v1/persons/" + strconv.FormatInt(vic.ID, 10)
	if r, b := call(t, hs, "POST", vicPath+"/reset", "", hdr); r.StatusCode != 200 || !strings.Contains(b, "/console/reset?token=") {
		t.Errorf("lead resets a viewer: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", vicPath+"/disable", "", hdr); r.StatusCode != 204 {
		t.Errorf("lead disables a viewer: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "PUT", vicPath+"/role", `{"role":"lead"}`, hdr); r.StatusCode != 200 {
		t.Errorf("lead changes a viewer's role: %d %s", r.StatusCode, b)
	}
}

// TestAdminResetLink: an administrator sends an active person a reset
// link (here handed back: no mailer), audited with who sent it; the
// person's password and sessions stay until the link is used, which ends
// them. A link dies when the person is disabled, also after enabling
// them again. Invited persons get a new invitation instead, and a person
// who also works in another department is not reachable by one
// department's administrator.
func TestAdminResetLink(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("root@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	annSecret, _, err := f.login("ann@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	path := "/api/v1/persons/" + strconv.FormatInt(ann.ID, 10) + "/reset"
	if r, b := call(t, hs, "GET", path, "", hdr); r.StatusCode != 405 && r.StatusCode != 404 {
		t.Fatalf("GET makes a reset link: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", path, "", map[string]string{"Cookie": hdr["Cookie"]}); r.StatusCode != 403 {
		t.Fatalf("without the CSRF token: %d %s", r.StatusCode, b)
	}
	link := func() string {
		t.Helper()
		r, b := call(t, hs, "POST", path, "", hdr)
		var out struct {
			Link   string       `json:"link"`
			Person staff.Person `json:"person"`
		}
		json.Unmarshal([]byte(b), &out)
		_, tok, ok := strings.Cut(out.Link, "/console/reset?token=")
		if r.StatusCode != 200 || !ok || out.Person.ID != ann.ID {
			t.Fatalf("admin reset: %d %s", r.StatusCode, b)
		}
		return tok
	}
	tok := link()
	var actor string
	if err := f.db.QueryRow(t.Context(), `SELECT actor FROM audit_log WHERE action = 'password-reset-link' AND target_id = $1`,
		ann.ID).Scan(&actor); err != nil || actor != "person:"+strconv.FormatInt(root.ID, 10) {
		t.Fatalf("audit of the reset link: %q %v", actor, err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), annSecret, ip1); err != nil {
		t.Fatalf("sending the link ended ann's session: %v", err)
	}
	if _, _, err := f.login("ann@example.org", "", ip1); err != nil {
		t.Fatalf("sending the link changed ann's password: %v", err)
	}
	// Disabled and enabled again: the link is dead.
	if r, b := call(t, hs, "POST", "/api/v1/persons/"+strconv.FormatInt(ann.ID, 10)+"/disable", "", hdr); r.StatusCode != 204 {
		t.Fatalf("disable: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", path, "", hdr); r.StatusCode != 409 {
		t.Fatalf("reset link for a disabled person: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", "/api/v1/persons/"+strconv.FormatInt(ann.ID, 10)+"/enable", "", hdr); r.StatusCode != 204 {
		t.Fatalf("enable: %d %s", r.StatusCode, b)
	}
	if _, err := f.svc.ResetPassword(t.Context(), tok, "a fresh new passphrase 1"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("link made before the person was disabled: %v", err)
	}
	tok = link()
	annSecret, _, _ = f.login("ann@example.org", "", ip1)
	if _, err := f.svc.ResetPassword(t.Context(), tok, "a fresh new passphrase 1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), annSecret, ip1); err == nil {
		t.Fatal("the reset left ann's session open")
	}
	if _, err := f.svc.ResetPassword(t.Context(), tok, "a fresh new passphrase 2"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("used link: %v", err)
	}
	// A disabled person, and one who also works elsewhere.
	dis := f.person("dis@example.org", "viewer")
	if err := f.svc.Disable(t.Context(), dis.ID); err != nil {
		t.Fatal(err)
	}
	if r, b := call(t, hs, "POST", "/api/v1/persons/"+strconv.FormatInt(dis.ID, 10)+"/reset", "", hdr); r.StatusCode != 409 {
		t.Fatalf("reset link for a disabled person: %d %s", r.StatusCode, b)
	}
	sales := f.adminOfSales(root.ID)
	if err := f.svc.SetMembership(t.Context(), ann.ID, sales.ID, "viewer"); err != nil {
		t.Fatal(err)
	}
	if r, b := call(t, hs, "POST", path, "", hdr); r.StatusCode != 409 {
		t.Fatalf("reset link for a person of two departments: %d %s", r.StatusCode, b)
	}
}

// TestRemovingTOTPEndsOtherSessions: a person removes their own second
// factor only with their password (a wrong one counts as a failed login);
// their other sessions end, the one they used stays. An administrator's
// removal ends all their sessions. Both are audited. A second factor
// that is on cannot be replaced by starting a new one, and a role that
// requires one keeps it.
func TestRemovingTOTPEndsOtherSessions(t *testing.T) {
	f := newFixture(t, staff.Options{RequireTOTP: []string{"privacy"}})
	f.person("root@example.org", "admin")
	ann := f.person("ann@example.org", "marketer")
	hs, _ := newAPI(t, f)
	enrol := func() string {
		t.Helper()
		setup, err := f.svc.BeginTOTP(t.Context(), ann.ID, "a long enough passphrase")
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(time.Minute)
		code, _ := staff.TOTPCode(setup.Secret, f.now)
		if err := f.svc.ConfirmTOTP(t.Context(), ann.ID, "a long enough passphrase", code); err != nil {
			t.Fatal(err)
		}
		return setup.Secret
	}
	var totpSecret string // ann's current one
	sessions := func() []string {
		t.Helper()
		var out []string
		for i := 0; i < 2; i++ {
			f.now = f.now.Add(time.Minute)
			code, _ := staff.TOTPCode(totpSecret, f.now)
			s, _, err := f.login("ann@example.org", code, ip1)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	totpSecret = enrol()
	if _, err := f.svc.BeginTOTP(t.Context(), ann.ID, "a long enough passphrase"); !errors.Is(err, staff.ErrTOTPEnabled) {
		t.Fatalf("starting over while the second factor is on: %v", err)
	}
	ss := sessions()
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + ss[0], "X-CSRF-Token": f.svc.CSRFToken(ss[0])}
	if r, b := call(t, hs, "POST", "/api/v1/auth/totp/remove", `{"current_password":"wrong wrong wrong"}`, hdr); r.StatusCode != 422 ||
		!strings.Contains(b, "current_password") {
		t.Fatalf("wrong password: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", "/api/v1/auth/totp/remove", `{"current_password":"a long enough passphrase"}`, hdr); r.StatusCode != 204 {
		t.Fatalf("remove own second factor: %d %s", r.StatusCode, b)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), ss[0], ip1); err != nil {
		t.Fatalf("the session that removed it ended: %v", err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), ss[1], ip1); err == nil {
		t.Fatal("another session outlived the removal")
	}
	if p, _ := f.svc.Get(t.Context(), ann.ID); p.TOTPEnabled {
		t.Fatal("the second factor is still on")
	}
	if n := auditCount(t, f, "totp-disable", ann.ID); n != 1 {
		t.Fatalf("%d totp-disable entries", n)
	}
	// By an administrator: every session of the person ends.
	totpSecret = enrol()
	ss = sessions()
	rootSecret, _, _ := f.login("root@example.org", "", ip1)
	admin := map[string]string{"Cookie": staff.CookieName + "=" + rootSecret, "X-CSRF-Token": f.svc.CSRFToken(rootSecret)}
	if r, b := call(t, hs, "DELETE", "/api/v1/persons/"+strconv.FormatInt(ann.ID, 10)+"/totp", "", admin); r.StatusCode != 204 {
		t.Fatalf("administrator removes it: %d %s", r.StatusCode, b)
	}
	for i, s := range ss {
		if _, _, err := f.svc.Authenticate(t.Context(), s, ip1); err == nil {
			t.Fatalf("session %d outlived the administrator's removal", i)
		}
	}
	if n := auditCount(t, f, "totp-disable", ann.ID); n != 2 {
		t.Fatalf("%d totp-disable entries", n)
	}
	if r, b := call(t, hs, "DELETE", "/api/v1/persons/"+strconv.FormatInt(ann.ID, 10)+"/totp", "", admin); r.StatusCode != 409 {
		t.Fatalf("remove a second factor that is not there: %d %s", r.StatusCode, b)
	}
	// A role that requires a second factor keeps it.
	totpSecret = enrol()
	if err := f.svc.SetMembership(t.Context(), ann.ID, 1, "privacy"); err != nil {
		t.Fatal(err)
	}
	ss = sessions()
	hdr = map[string]string{"Cookie": staff.CookieName + "=" + ss[0], "X-CSRF-Token": f.svc.CSRFToken(ss[0])}
	if r, b := call(t, hs, "POST", "/api/v1/auth/totp/remove", `{"current_password":"a long enough passphrase"}`, hdr); r.StatusCode != 409 {
		t.Fatalf("remove a required second factor: %d %s", r.StatusCode, b)
	}
}

// TestNoOneChangesRolesBeyondTheirPermissions: replacing the permissions
// of a custom role acts on everyone who holds it, so a person who may
// manage people but lacks a permission of the role cannot strip it (and
// with it demote the role's holders); a role within their own
// permissions they can change.
func TestNoOneChangesRolesBeyondTheirPermissions(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	if _, err := f.svc.SaveRole(t.Context(), "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveRole(t.Context(), "senior", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead, access.ContactsRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveRole(t.Context(), "junior", "", []access.Permission{access.ListsRead}); err != nil {
		t.Fatal(err)
	}
	f.person("lee@example.org", "lead")
	f.person("sen@example.org", "senior")
	hs, _ := newAPI(t, f)
	secret, _, err := f.login("lee@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
	if r, b := call(t, hs, "PUT", "/api/v1/roles/senior", `{"permissions":["lists.read"]}`, hdr); r.StatusCode != 403 || !strings.Contains(b, "beyond_own_permissions") {
		t.Errorf("lead strips the senior role: %d %s, want 403 beyond_own_permissions", r.StatusCode, b)
	}
	var n int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM role_permissions p JOIN roles r ON r.id = p.role_id
		WHERE r.name = 'senior'`).Scan(&n); err != nil || n != 4 {
		t.Errorf("the senior role has %d permissions (%v), want 4 untouched", n, err)
	}
	if r, b := call(t, hs, "PUT", "/api/v1/roles/junior", `{"permissions":["lists.read","campaigns.read"]}`, hdr); r.StatusCode != 200 {
		t.Errorf("lead changes a role within their permissions: %d %s", r.StatusCode, b)
	}
}
