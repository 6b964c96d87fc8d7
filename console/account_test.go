package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// consoleLogin logs in through the console's form and returns the cookie.
func (e *linkEnv) consoleLogin(email, password, code string) string {
	e.t.Helper()
	w := e.do("POST", "/console/login", url.Values{"email": {email}, "password": {password}, "code": {code}}, "")
	c := sessionCookie(w)
	if w.Code != http.StatusSeeOther || c == "" {
		e.t.Fatalf("login %s: %d %.500s", email, w.Code, w.Body)
	}
	return c
}

// csrf is the CSRF token of session cookie c, from its account page.
func (e *linkEnv) csrf(c string) string {
	e.t.Helper()
	m := csrfRe.FindStringSubmatch(e.do("GET", "/console/account", nil, c).Body.String())
	if m == nil {
		e.t.Fatal("no CSRF token on the account page")
	}
	return m[1]
}

// post sends form as session c with its CSRF token.
func (e *linkEnv) post(path string, form url.Values, c string) (int, string) {
	form.Set("csrf", e.csrf(c))
	w := e.do("POST", path, form, c)
	return w.Code, w.Body.String()
}

// signedIn reports whether session cookie c still opens a page.
func (e *linkEnv) signedIn(c string) bool {
	return e.do("GET", "/console/", nil, c).Code == http.StatusOK
}

func (e *linkEnv) audits(action string, id int64) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2`,
		action, id).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestConsoleAccount: the header links to the person's own account page,
// which shows their name and address; the password form refuses a wrong
// current password and a mismatch, naming the field, and a change ends
// the person's other sessions but not this one. The person sets up an
// authenticator app there and removes it with their password, which ends
// their other sessions too; both changes are audited.
func TestConsoleAccount(t *testing.T) {
	e := newLinkEnv(t, nil)
	ctx := context.Background()
	pw := "a long and quiet harbour 42"
	ann, err := e.st.CreateActive(ctx, staff.NewPerson{Email: "ann@example.org", Name: "Ann Example",
		DepartmentID: access.DefaultDepartment, Role: access.RoleMarketer, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	c1 := e.consoleLogin("ann@example.org", pw, "")
	c2 := e.consoleLogin("ann@example.org", pw, "")
	if body := e.do("GET", "/console/", nil, c1).Body.String(); !strings.Contains(body, `href="/console/account"`) {
		t.Fatal("the header has no link to the account page")
	}
	body := e.do("GET", "/console/account", nil, c1).Body.String()
	for _, want := range []string{"Ann Example", "ann@example.org", `action="/console/account/password"`, `action="/console/account/totp"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("account page lacks %q\n%.2000s", want, body)
		}
	}
	if w := e.do("POST", "/console/account/password", url.Values{"current_password": {pw}, "password": {"x"}, "confirm": {"x"}}, c1); w.Code != http.StatusForbidden {
		t.Fatalf("without a CSRF token: %d", w.Code)
	}
	newPW := "a fresh and sunny meadow 7"
	if code, body := e.post("/console/account/password", url.Values{"current_password": {"not it at all"}, "password": {newPW}, "confirm": {newPW}}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="current_password-error"`) {
		t.Fatalf("wrong current password: %d %.1500s", code, body)
	}
	if code, body := e.post("/console/account/password", url.Values{"current_password": {pw}, "password": {newPW}, "confirm": {"another"}}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="confirm-error"`) {
		t.Fatalf("mismatch: %d %.1500s", code, body)
	}
	if code, body := e.post("/console/account/password", url.Values{"current_password": {pw}, "password": {newPW}, "confirm": {newPW}}, c1); code != http.StatusSeeOther {
		t.Fatalf("change: %d %.1500s", code, body)
	}
	if !e.signedIn(c1) || e.signedIn(c2) {
		t.Fatalf("after the change: this session %v (want true), the other %v (want false)", e.signedIn(c1), e.signedIn(c2))
	}
	if w := e.do("POST", "/console/login", url.Values{"email": {"ann@example.org"}, "password": {pw}}, ""); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("the old password still logs in: %d", w.Code)
	}

	// Second factor: starting the setup takes the current password (a
	// wrong one counts as a failed login), then it is confirmed with the
	// app's code.
	if code, body := e.post("/console/account/totp", url.Values{}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="totp_current_password-error"`) || strings.Contains(body, `id="totp-secret"`) {
		t.Fatalf("setup without the password: %d %.1500s", code, body)
	}
	failed := e.audits("login-failed", ann.ID)
	if code, body := e.post("/console/account/totp", url.Values{"current_password": {pw}}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="totp_current_password-error"`) || !strings.Contains(body, "is not your current password") ||
		strings.Contains(body, `id="totp-secret"`) {
		t.Fatalf("setup with the old password: %d %.1500s", code, body)
	}
	if n := e.audits("login-failed", ann.ID); n != failed+1 {
		t.Fatalf("a wrong password at the setup is not a failed login: %d audit entries, want %d", n, failed+1)
	}
	// The wrong passwords so far would lock the account before the checks
	// below are done: start them from no recorded failures.
	if _, err := e.db.Exec(ctx, `DELETE FROM login_failures`); err != nil {
		t.Fatal(err)
	}
	var pending bool
	if err := e.db.QueryRow(ctx, `SELECT totp_secret IS NOT NULL FROM persons WHERE id = $1`, ann.ID).Scan(&pending); err != nil || pending {
		t.Fatalf("a setup started without the password: pending %v, %v", pending, err)
	}
	code, body := e.post("/console/account/totp", url.Values{"current_password": {newPW}}, c1)
	sec := totpRe.FindStringSubmatch(body)
	if code != http.StatusOK || sec == nil || !strings.Contains(body, `action="/console/account/totp/confirm"`) {
		t.Fatalf("setup: %d %.1500s", code, body)
	}
	now := time.Now()
	otp, _ := staff.TOTPCode(sec[1], now)
	// Turning it on takes the current password too: a stolen session
	// cannot lock the owner out with a factor only the thief holds.
	if code, body := e.post("/console/account/totp/confirm", url.Values{"code": {otp}}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="totp-error"`) || !strings.Contains(body, "Enter your current password.") {
		t.Fatalf("confirm without the password: %d %.1500s", code, body)
	}
	if code, body := e.post("/console/account/totp/confirm", url.Values{"current_password": {pw}, "code": {otp}}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="totp-error"`) || !strings.Contains(body, "is not your current password") {
		t.Fatalf("confirm with the old password: %d %.1500s", code, body)
	}
	if p, _ := e.st.Get(ctx, ann.ID); p.TOTPEnabled {
		t.Fatal("the second factor is on without the password")
	}
	if code, body := e.post("/console/account/totp/confirm", url.Values{"current_password": {newPW}, "code": {otp}}, c1); code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %.1500s", code, body)
	}
	if p, _ := e.st.Get(ctx, ann.ID); !p.TOTPEnabled {
		t.Fatal("the second factor is not on")
	}
	otp, _ = staff.TOTPCode(sec[1], now.Add(30*time.Second))
	c3 := e.consoleLogin("ann@example.org", newPW, otp)
	body = e.do("GET", "/console/account", nil, c1).Body.String()
	if !strings.Contains(body, `action="/console/account/totp/remove"`) {
		t.Fatalf("no removal form with the second factor on\n%.2000s", body)
	}
	if code, body := e.post("/console/account/totp/remove", url.Values{"current_password": {pw}}, c1); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="totp_current_password-error"`) {
		t.Fatalf("remove with the old password: %d %.1500s", code, body)
	}
	if code, body := e.post("/console/account/totp/remove", url.Values{"current_password": {newPW}}, c1); code != http.StatusSeeOther {
		t.Fatalf("remove: %d %.1500s", code, body)
	}
	if p, _ := e.st.Get(ctx, ann.ID); p.TOTPEnabled {
		t.Fatal("the second factor is still on")
	}
	if !e.signedIn(c1) || e.signedIn(c3) {
		t.Fatalf("after removal: this session %v (want true), the other %v (want false)", e.signedIn(c1), e.signedIn(c3))
	}
	if e.audits("totp-enable", ann.ID) != 1 || e.audits("totp-disable", ann.ID) != 1 || e.audits("password-reset", ann.ID) != 1 {
		t.Fatal("the account changes are not all audited")
	}
}

// TestConsoleAdminActsOnlyWithinOwnPermissions: on the admin screen a
// person whose role manages people but not everything is refused (with
// the reason) changing the role of, disabling, sending a reset link to or
// removing the second factor of an administrator. An administrator sends
// a reset link (mailed, or shown when no mail is configured) and removes
// a second factor, which ends that person's sessions.
func TestConsoleAdminActsOnlyWithinOwnPermissions(t *testing.T) {
	box := &outbox{}
	e := newLinkEnv(t, box)
	ctx := context.Background()
	pw := "a long and quiet harbour 42"
	if _, err := e.st.SaveRole(ctx, "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	mk := func(email, role string) staff.Person {
		p, err := e.st.CreateActive(ctx, staff.NewPerson{Email: email, Name: email, DepartmentID: access.DefaultDepartment, Role: role, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk("lee@example.org", "lead")
	adm := mk("adm@example.org", access.RoleAdmin)
	vic := mk("vic@example.org", access.RoleViewer)
	setup, err := e.st.BeginTOTP(ctx, adm.ID, pw)
	if err != nil {
		t.Fatal(err)
	}
	otp, _ := staff.TOTPCode(setup.Secret, time.Now())
	if err := e.st.ConfirmTOTP(ctx, adm.ID, pw, otp); err != nil {
		t.Fatal(err)
	}
	otp, _ = staff.TOTPCode(setup.Secret, time.Now().Add(30*time.Second))
	admCookie := e.consoleLogin("adm@example.org", pw, otp)

	lee := e.consoleLogin("lee@example.org", pw, "")
	admPath := "/console/admin/people/" + strconv.FormatInt(adm.ID, 10)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{admPath + "/role", url.Values{"role": {"viewer"}}},
		{admPath + "/disable", url.Values{}},
		{admPath + "/reset", url.Values{}},
		{admPath + "/totp/remove", url.Values{}},
	} {
		if code, body := e.post(c.path, c.form, lee); code != http.StatusForbidden || !strings.Contains(body, "which you do not hold") {
			t.Errorf("lead: POST %s: %d, want 403 with the reason\n%.1000s", c.path, code, body)
		}
	}
	// In Dutch the reason is Dutch, with the permission's name in its place.
	if code, body := e.post("/console/language", url.Values{"lang": {"nl"}}, lee); code != http.StatusSeeOther {
		t.Fatalf("language: %d %.500s", code, body)
	}
	if code, body := e.post(admPath+"/disable", url.Values{}, lee); code != http.StatusForbidden ||
		!regexp.MustCompile(`deze persoon heeft het recht [a-z_.]+, dat u niet heeft`).MatchString(body) ||
		strings.Contains(body, "which you do not hold") || strings.Contains(body, "%s") {
		t.Errorf("lead in Dutch: %d, want 403 with the reason in Dutch\n%s", code, body[strings.Index(body, "<main"):])
	}
	if p, _ := e.st.Get(ctx, adm.ID); p.Status != staff.StatusActive || !p.TOTPEnabled || p.Memberships[0].Role != access.RoleAdmin {
		t.Fatalf("the administrator was changed: %+v", p)
	}
	if box.all() != "" || !e.signedIn(admCookie) {
		t.Fatalf("a link was mailed (%q) or the session ended", box.all())
	}

	root := e.consoleLogin("admin@example.org", pw, "")
	body := e.do("GET", "/console/admin", nil, root).Body.String()
	vicReset := "/console/admin/people/" + strconv.FormatInt(vic.ID, 10) + "/reset"
	if !strings.Contains(body, `action="`+vicReset+`"`) || !strings.Contains(body, `action="`+admPath+`/totp/remove"`) {
		t.Fatalf("admin screen lacks the reset or second-factor buttons\n%.3000s", body)
	}
	if w := e.do("GET", vicReset, nil, root); w.Code == http.StatusOK || w.Code == http.StatusSeeOther {
		t.Fatalf("GET sends a reset link: %d", w.Code)
	}
	if code, body := e.post(vicReset, url.Values{}, root); code != http.StatusSeeOther {
		t.Fatalf("reset link: %d %.1000s", code, body)
	}
	link := linkRe.FindStringSubmatch(box.all())
	if link == nil || !strings.HasPrefix(link[1], staff.ResetPath+"?") || !strings.HasPrefix(box.all(), "vic@example.org\n") {
		t.Fatalf("no reset link mailed to vic: %q", box.all())
	}
	if e.audits("password-reset-link", vic.ID) != 1 {
		t.Fatal("the reset link is not audited")
	}
	e.st.SetMailer(nil, "https://admin.example.org")
	if code, body := e.post(vicReset, url.Values{}, root); code != http.StatusOK || !strings.Contains(body, "/console/reset?token=") {
		t.Fatalf("reset link without mail: %d %.1000s", code, body)
	}
	if code, body := e.post(admPath+"/totp/remove", url.Values{}, root); code != http.StatusSeeOther {
		t.Fatalf("administrator removes a second factor: %d %.1000s", code, body)
	}
	if p, _ := e.st.Get(ctx, adm.ID); p.TOTPEnabled || e.signedIn(admCookie) || e.audits("totp-disable", adm.ID) != 1 {
		t.Fatalf("after removal: on %v, session open %v", p.TOTPEnabled, e.signedIn(admCookie))
	}
}
