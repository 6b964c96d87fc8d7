package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

const firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// TestConsoleOwnSessions, over HTTP with real sessions: the account screen
// lists the person's live sessions with browser and operating system and
// the /24 network (never the address or the whole User-Agent), marks this
// one, and signs out one other session (audited) or all others at once
// (audited with the count), keeping this one. A GET changes nothing, a
// POST without the CSRF token is refused, and one person cannot end
// another's session (404, the session goes on).
func TestConsoleOwnSessions(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	ann, _ := w.login("ann@example.org", access.DefaultDepartment, access.RoleMarketer)
	w.login("bob@example.org", access.DefaultDepartment, access.RoleMarketer)
	here, c1 := w.signIn("ann@example.org", firefoxLinux, "192.0.2.57")
	other, c2 := w.signIn("ann@example.org", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1", "2001:db8:7:1::5")
	_, c3 := w.signIn("ann@example.org", "curl/8.5.0", "198.51.100.9")
	bobSes, bob := w.signIn("bob@example.org", firefoxLinux, "203.0.113.4")

	code, body, _ := w.call("GET", "/console/account", nil, c1)
	if code != 200 {
		t.Fatalf("account: %d", code)
	}
	for _, want := range []string{"Firefox on Linux", "Safari on iOS", "curl", "192.0.2.0/24", "2001:db8:7::/48", "This session",
		fmt.Sprintf(`action="/console/account/sessions/%d/revoke"`, other.ID), `action="/console/account/sessions/revoke-others"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the account screen lacks %q", want)
		}
	}
	for _, never := range []string{"192.0.2.57", "198.51.100.9", "2001:db8:7:1::5", "rv:128.0", "17_0", "203.0.113"} {
		if strings.Contains(body, never) {
			t.Errorf("the account screen shows %q", never)
		}
	}
	if strings.Contains(body, fmt.Sprintf(`action="/console/account/sessions/%d/revoke"`, here.ID)) {
		t.Error("this session has a sign-out button of its own (logout is the way)")
	}

	// A GET changes nothing; a POST without the token is refused.
	if code, _, _ := w.call("GET", fmt.Sprintf("/console/account/sessions/%d/revoke", other.ID), nil, c1); code == http.StatusSeeOther || code == 200 {
		t.Errorf("GET of the sign-out route: %d", code)
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/account/sessions/%d/revoke", other.ID), url.Values{"csrf": {"wrong"}}, c1); code != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d, want 403", code)
	}
	if !w.signedIn(c2) {
		t.Fatal("the other session ended without a valid POST")
	}

	// Ann cannot end Bob's session.
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/account/sessions/%d/revoke", bobSes.ID), url.Values{}, c1); code != http.StatusNotFound {
		t.Errorf("ann ending bob's session: %d, want 404", code)
	}
	if !w.signedIn(bob) {
		t.Fatal("bob's session ended by ann")
	}

	code, _, loc := w.call("POST", fmt.Sprintf("/console/account/sessions/%d/revoke", other.ID), url.Values{}, c1)
	if code != http.StatusSeeOther || loc != "/console/account" {
		t.Fatalf("sign out the other session: %d %s", code, loc)
	}
	if w.signedIn(c2) || !w.signedIn(c1) || !w.signedIn(c3) {
		t.Fatal("signing out one session ended the wrong ones")
	}
	if w.audits("session-revoke", other.ID) != 1 {
		t.Error("signing out a session is not audited")
	}

	if code, _, _ := w.call("POST", "/console/account/sessions/revoke-others", url.Values{}, c1); code != http.StatusSeeOther {
		t.Fatalf("sign out all others: %d", code)
	}
	if w.signedIn(c3) || !w.signedIn(c1) || !w.signedIn(bob) {
		t.Fatal("signing out all others ended the wrong sessions")
	}
	var n int64
	w.pool.QueryRow(ctx, `SELECT count FROM audit_log WHERE action = 'session-revoke' AND target_id IS NULL AND person_id = $1`, ann.ID).Scan(&n)
	if n != 2 { // c3 and the session of w.login
		t.Errorf("the audit of signing out all others counts %d, want 2", n)
	}
	ss, _ := w.st.Sessions(ctx, ann.ID)
	if len(ss) != 1 || ss[0].ID != here.ID {
		t.Errorf("ann's sessions after signing out the others: %+v", ss)
	}
}

// TestConsolePersonSessions, over HTTP: an administrator opens a person's
// sessions from the admin screen (network, not address) and signs one
// out (audited); a person without users.manage is refused both (403); a
// person of another department is not found, and a session id of one
// person cannot be ended through another's path.
func TestConsolePersonSessions(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	bob, _ := w.login("bob@example.org", access.DefaultDepartment, access.RoleMarketer)
	bobSes, bobC := w.signIn("bob@example.org", firefoxLinux, "203.0.113.4")
	ann, annC := w.login("ann@example.org", access.DefaultDepartment, access.RoleMarketer)
	annSes, _ := w.signIn("ann@example.org", firefoxLinux, "203.0.113.5")
	sales, err := w.st.SaveDepartment(ctx, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	sam, _ := w.login("sam@example.org", sales.ID, access.RoleViewer)
	samSes, samC := w.signIn("sam@example.org", firefoxLinux, "203.0.113.6")

	_, body, _ := w.call("GET", "/console/admin", nil, w.cookie)
	if !strings.Contains(body, fmt.Sprintf(`href="/console/admin/people/%d/sessions"`, bob.ID)) {
		t.Fatal("the admin screen has no link to bob's sessions")
	}
	path := fmt.Sprintf("/console/admin/people/%d/sessions", bob.ID)
	code, body, _ := w.call("GET", path, nil, w.cookie)
	if code != 200 || !strings.Contains(body, "203.0.113.0/24") || strings.Contains(body, "203.0.113.4") ||
		!strings.Contains(body, fmt.Sprintf(`action="%s/%d/revoke"`, path, bobSes.ID)) {
		t.Fatalf("bob's sessions: %d %.2000s", code, body)
	}

	// Not an administrator: refused.
	if code, _, _ := w.call("GET", path, nil, annC); code != http.StatusForbidden {
		t.Errorf("ann viewing bob's sessions: %d, want 403", code)
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("%s/%d/revoke", path, bobSes.ID), url.Values{}, annC); code != http.StatusForbidden {
		t.Errorf("ann ending bob's session: %d, want 403", code)
	}
	// Another department's person, and a session of someone else.
	if code, _, _ := w.call("GET", fmt.Sprintf("/console/admin/people/%d/sessions", sam.ID), nil, w.cookie); code != http.StatusNotFound {
		t.Errorf("sessions of a person of another department: %d, want 404", code)
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/admin/people/%d/sessions/%d/revoke", sam.ID, samSes.ID), url.Values{}, w.cookie); code != http.StatusNotFound {
		t.Errorf("ending a session of another department's person: %d, want 404", code)
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("%s/%d/revoke", path, annSes.ID), url.Values{}, w.cookie); code != http.StatusNotFound {
		t.Errorf("ending ann's session through bob's path: %d, want 404", code)
	}
	if !w.signedIn(bobC) || !w.signedIn(samC) {
		t.Fatal("a refused sign-out ended a session")
	}
	if ss, _ := w.st.Sessions(ctx, ann.ID); len(ss) != 2 {
		t.Fatalf("ann's sessions after refused sign-outs: %d, want 2", len(ss))
	}

	code, _, loc := w.call("POST", fmt.Sprintf("%s/%d/revoke", path, bobSes.ID), url.Values{}, w.cookie)
	if code != http.StatusSeeOther || loc != path {
		t.Fatalf("admin ends bob's session: %d %s", code, loc)
	}
	if w.signedIn(bobC) {
		t.Fatal("bob's session goes on")
	}
	if w.audits("session-revoke", bobSes.ID) != 1 {
		t.Error("ending a person's session is not audited")
	}
}
