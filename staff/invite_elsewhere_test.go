package staff_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// apiAnswer is the answer to an invitation over the API, with the keys it
// holds at its top level and in "invitation".
type apiAnswer struct {
	Invitation staff.Invitation `json:"invitation"`
	Link       string           `json:"link"`
	keys       []string
}

func keysOf(t *testing.T, body string) []string {
	t.Helper()
	var shape map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &shape); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var inner map[string]any
	json.Unmarshal(shape["invitation"], &inner)
	var keys []string
	for k := range shape {
		keys = append(keys, k)
	}
	for k := range inner {
		keys = append(keys, "invitation."+k)
	}
	slices.Sort(keys)
	return keys
}

// signIn logs email in over the API and returns the headers of its session.
func signIn(t *testing.T, f *fixture, email string) map[string]string {
	t.Helper()
	secret, _, err := f.login(email, "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Cookie": staff.CookieName + "=" + secret, "X-CSRF-Token": f.svc.CSRFToken(secret)}
}

func tokenOf(link string) string { return link[strings.Index(link, "token=")+len("token="):] }

// TestInviteDoesNotRevealAccountsElsewhere: inviting an address that has
// an account in another department answers exactly as inviting a new
// address (201, the same keys, an invitation of its own whose id is not a
// person's, the inviter's department and role), and nothing the inviter
// can then read names the account: not the persons list, not the audit
// log. The account's owner joins with their own password from the link (a
// wrong one is a failed login) and keeps it; the new address's owner
// chooses a password. An address already in the department is refused,
// and so is a second pending invitation.
func TestInviteDoesNotRevealAccountsElsewhere(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	ext, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "ext@example.org", Name: "Ext",
		DepartmentSlug: "north", Role: "admin", Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := newAPI(t, f)
	root := signIn(t, f, "root@example.org")

	invite := func(path, email string) apiAnswer {
		t.Helper()
		r, b := call(t, hs, "POST", path, `{"email":"`+email+`","name":"X","role":"viewer"}`, root)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("invite %s: %d %s", email, r.StatusCode, b)
		}
		var a apiAnswer
		if err := json.Unmarshal([]byte(b), &a); err != nil {
			t.Fatal(err)
		}
		a.keys = keysOf(t, b)
		if strings.Contains(b, `"person"`) || strings.Contains(b, `"id":`+strconv.FormatInt(ext.ID, 10)) {
			t.Fatalf("the answer names a person: %s", b)
		}
		return a
	}
	fresh := invite("/api/v1/invitations", "new@example.org")
	known := invite("/api/v1/invitations", "ext@example.org")
	legacy := invite("/api/v1/persons", "other@example.org") // the older path answers alike
	idRE := regexp.MustCompile(`^inv_[0-9a-f]{26}$`)
	for _, a := range []apiAnswer{fresh, known, legacy} {
		if !slices.Equal(a.keys, fresh.keys) || !idRE.MatchString(a.Invitation.ID) || a.Invitation.Status != staff.InvitationPending ||
			a.Invitation.DepartmentID != 1 || a.Invitation.Role != "viewer" || !strings.Contains(a.Link, staff.InvitePath+"?token=") {
			t.Fatalf("the answers differ or name another department: new %+v %v, this one %+v %v", fresh, fresh.keys, a, a.keys)
		}
	}
	if known.Invitation.ID == fresh.Invitation.ID {
		t.Fatal("two invitations share an id")
	}

	// What the inviter can read afterwards names no account elsewhere.
	if r, b := call(t, hs, "GET", "/api/v1/persons", "", root); r.StatusCode != 200 || strings.Contains(b, "ext@example.org") ||
		strings.Contains(b, "new@example.org") {
		t.Fatalf("an invitation lists a person before it is accepted: %d %s", r.StatusCode, b)
	}
	r, b := call(t, hs, "GET", "/api/v1/invitations", "", root)
	var list struct{ Items []staff.Invitation }
	json.Unmarshal([]byte(b), &list)
	if r.StatusCode != 200 || len(list.Items) != 3 {
		t.Fatalf("open invitations: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "GET", "/api/v1/invitations/"+known.Invitation.ID, "", root); r.StatusCode != 200 ||
		!strings.Contains(b, `"status":"pending"`) {
		t.Fatalf("the invitation by its id: %d %s", r.StatusCode, b)
	}
	var personTargets int
	f.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE department_id = 1 AND target_kind = 'person'
		AND target_id = $1`, ext.ID).Scan(&personTargets)
	if personTargets != 0 {
		t.Fatalf("department 1's audit log names the account of another department %d times", personTargets)
	}
	if p, _ := f.svc.Get(t.Context(), ext.ID); len(p.Memberships) != 1 {
		t.Fatalf("the invitation gave access before it was accepted: %+v", p.Memberships)
	}

	// Refused: a second pending invitation of an address; an address already in the department.
	if r, b := call(t, hs, "POST", "/api/v1/invitations", `{"email":"EXT@example.org","role":"viewer"}`, root); r.StatusCode != http.StatusConflict ||
		!strings.Contains(b, "invitation_pending") {
		t.Fatalf("a second invitation of a pending address: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "POST", "/api/v1/invitations", `{"email":"root@example.org","role":"viewer"}`, root); r.StatusCode != http.StatusConflict ||
		!strings.Contains(b, "person_exists") {
		t.Fatalf("inviting a person of the department: %d %s", r.StatusCode, b)
	}

	// The account's owner joins with their own password.
	token := tokenOf(known.Link)
	if r, b := call(t, hs, "POST", "/api/v1/auth/accept", `{"token":"`+token+`","password":"a new password of mine"}`, nil); r.StatusCode != 422 ||
		!strings.Contains(b, "current_password") {
		t.Fatalf("join with another password: %d %s", r.StatusCode, b)
	}
	var failures int
	f.db.QueryRow(t.Context(), `SELECT count(*) FROM login_failures WHERE email_key = 'ext@example.org'`).Scan(&failures)
	if failures != 1 {
		t.Fatalf("a wrong password on an invitation of an account is not a failed login: %d failures", failures)
	}
	if r, b := call(t, hs, "POST", "/api/v1/auth/accept", `{"token":"`+token+`","password":"a long enough passphrase"}`, nil); r.StatusCode != 200 {
		t.Fatalf("join: %d %s", r.StatusCode, b)
	}
	p, _ := f.svc.Get(t.Context(), ext.ID)
	if len(p.Memberships) != 2 || p.Status != staff.StatusActive {
		t.Fatalf("after joining: %+v", p)
	}
	if _, _, err := f.login("ext@example.org", "", ip1); err != nil {
		t.Fatalf("the account's password changed: %v", err)
	}
	if r, b := call(t, hs, "POST", "/api/v1/auth/accept", `{"token":"`+token+`","password":"a long enough passphrase"}`, nil); r.StatusCode == 200 {
		t.Fatalf("the link works twice: %d %s", r.StatusCode, b)
	}
	if r, b := call(t, hs, "GET", "/api/v1/invitations/"+known.Invitation.ID, "", root); r.StatusCode != 200 ||
		!strings.Contains(b, `"status":"accepted"`) {
		t.Fatalf("the accepted invitation: %d %s", r.StatusCode, b)
	}
	// Now a member, the person is listed like any other.
	if r, b := call(t, hs, "GET", "/api/v1/persons/"+strconv.FormatInt(ext.ID, 10), "", root); r.StatusCode != 200 {
		t.Fatalf("the person who joined: %d %s", r.StatusCode, b)
	}

	// The new address's owner chooses a password and gets an account.
	np, err := f.svc.AcceptInvite(t.Context(), tokenOf(fresh.Link), "another long passphrase")
	if err != nil || np.Status != staff.StatusActive || np.Name != "X" || len(np.Memberships) != 1 || np.Memberships[0].Role != "viewer" {
		t.Fatalf("accept a new invitation: %+v %v", np, err)
	}
	var accepts int
	f.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'invitation-accept' AND department_id = 1`).Scan(&accepts)
	if accepts != 2 {
		t.Fatalf("%d acceptances audited, want 2", accepts)
	}
}

// mailbox keeps the mails the staff service sends.
type mailbox struct {
	mu   sync.Mutex
	sent []string // "to\nsubject\ntext"
}

func (m *mailbox) Send(_ context.Context, to, subject, _, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"\n"+subject+"\n"+text)
	return nil
}

// TestInvitationMailIsAlike: the mail of an invitation reads the same for
// an address with an account elsewhere as for a new one, but for the
// address and the link, so it cannot tell the inviter (or anyone who sees
// it) more than the answer does; with a mailer the answer holds no link.
func TestInvitationMailIsAlike(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	if _, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "ext@example.org", DepartmentSlug: "north",
		Role: "admin", Password: "a long enough passphrase"}); err != nil {
		t.Fatal(err)
	}
	mb := &mailbox{}
	f.svc.SetMailer(mb, "https://admin.example.org")
	_, actor, err := f.login("root@example.org", "", ip1)
	if err != nil {
		t.Fatal(err)
	}
	actor.Name = "Root"
	ctx := access.WithActor(t.Context(), actor)
	for _, email := range []string{"ext@example.org", "new@example.org"} {
		_, d, err := f.svc.InviteAndSend(ctx, staff.NewPerson{Email: email, DepartmentID: 1, Role: "viewer"})
		if err != nil || !d.Mailed || d.Link != "" {
			t.Fatalf("invite %s: %+v %v", email, d, err)
		}
	}
	if len(mb.sent) != 2 {
		t.Fatalf("%d mails", len(mb.sent))
	}
	norm := regexp.MustCompile(`token=[A-Za-z0-9_%\-]+|(ext|new)@example\.org`)
	a, b := norm.ReplaceAllString(mb.sent[0], "X"), norm.ReplaceAllString(mb.sent[1], "X")
	if a != b || !strings.Contains(a, "by Root") {
		t.Fatalf("the mails differ:\n%s\n---\n%s", a, b)
	}
}

// TestInvitationRevokeAndResend: a revoked invitation's link stops working
// and it leaves the open list; one sent again gets a new link (the old one
// stops working) and a new expiry, also after it expired; neither is done
// to an accepted or revoked invitation; each step is audited.
func TestInvitationRevokeAndResend(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	root := signIn(t, f, "root@example.org")
	v, link, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "gone@example.org", DepartmentID: 1, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	if r, b := call(t, hs, "DELETE", "/api/v1/invitations/"+v.ID, "", root); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.StatusCode, b)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), link, "a long enough passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("a revoked invitation's link: %v", err)
	}
	if _, ok := f.svc.InvitationByLink(t.Context(), link); ok {
		t.Fatal("a revoked invitation's page opens")
	}
	for _, c := range []struct{ method, path string }{{"DELETE", ""}, {"POST", "/resend"}} {
		if r, b := call(t, hs, c.method, "/api/v1/invitations/"+v.ID+c.path, "", root); r.StatusCode != http.StatusConflict {
			t.Fatalf("%s%s of a revoked invitation: %d %s", c.method, c.path, r.StatusCode, b)
		}
	}
	if r, b := call(t, hs, "GET", "/api/v1/invitations", "", root); strings.Contains(b, v.ID) {
		t.Fatalf("a revoked invitation is listed as open: %d %s", r.StatusCode, b)
	}
	// Once revoked, the address may be invited again.
	w, old, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: "gone@example.org", DepartmentID: 1, Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(100 * 3600e9) // past the default 72h
	root = signIn(t, f, "root@example.org")
	if got, _ := f.svc.Invitation(t.Context(), 1, w.ID); got.Status != staff.InvitationExpired {
		t.Fatalf("status after expiry: %q", got.Status)
	}
	r, b := call(t, hs, "POST", "/api/v1/invitations/"+w.ID+"/resend", "", root)
	var again apiAnswer
	json.Unmarshal([]byte(b), &again)
	if r.StatusCode != 200 || again.Invitation.Status != staff.InvitationPending || again.Invitation.ID != w.ID ||
		!again.Invitation.ExpiresAt.After(f.now) {
		t.Fatalf("resend: %d %s", r.StatusCode, b)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), old, "a long enough passphrase"); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Fatalf("the link from before the resend: %v", err)
	}
	if _, err := f.svc.AcceptInvite(t.Context(), tokenOf(again.Link), "a long enough passphrase"); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	if r, b := call(t, hs, "DELETE", "/api/v1/invitations/"+w.ID, "", root); r.StatusCode != http.StatusConflict {
		t.Fatalf("revoke an accepted invitation: %d %s", r.StatusCode, b)
	}
	for _, bad := range []string{"1", "inv_zz", "inv_" + strings.Repeat("0", 26)} {
		if r, b := call(t, hs, "GET", "/api/v1/invitations/"+bad, "", root); r.StatusCode != 404 {
			t.Fatalf("invitation %q: %d %s", bad, r.StatusCode, b)
		}
	}
	var actions []string
	rows, _ := f.db.Query(t.Context(), `SELECT action FROM audit_log WHERE target_kind = 'invitation' ORDER BY id`)
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	if want := []string{"person-invite", "invitation-revoke", "person-invite", "invitation-resend", "invitation-accept"}; !slices.Equal(actions, want) {
		t.Fatalf("audit %v, want %v", actions, want)
	}
}
