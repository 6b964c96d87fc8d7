package staff_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestInviteDoesNotRevealAccountsElsewhere: inviting an address that has
// an account in another department answers as inviting a new address
// (201, an invited person with the one new role, a link), never "exists";
// the account's owner joins with their own password from the link (a
// wrong one is a failed login) and keeps it. An address already in the
// department is refused, as the administrator lists it anyway.
func TestInviteDoesNotRevealAccountsElsewhere(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	ext, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "ext@example.org", Name: "Ext",
		DepartmentSlug: "north", Role: "admin", Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := newAPI(t, f)
	resp, body := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`, nil)
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &login)
	if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	root := map[string]string{"Cookie": staff.CookieName + "=" + resp.Cookies()[0].Value, "X-CSRF-Token": login.CSRF}

	type answer struct {
		Person struct {
			ID          int64              `json:"id"`
			Email       string             `json:"email"`
			Status      string             `json:"status"`
			Memberships []staff.Membership `json:"memberships"`
		} `json:"person"`
		Link string `json:"link"`
	}
	invite := func(email string) (answer, []string) {
		t.Helper()
		r, b := call(t, hs, "POST", "/api/v1/persons", `{"email":"`+email+`","name":"X","role":"viewer"}`, root)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("invite %s: %d %s", email, r.StatusCode, b)
		}
		var a answer
		var shape map[string]map[string]any
		json.Unmarshal([]byte(b), &a)
		json.Unmarshal([]byte(b), &shape)
		var keys []string
		for k := range shape["person"] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return a, keys
	}
	fresh, freshKeys := invite("new@example.org")
	known, knownKeys := invite("ext@example.org")
	if !slices.Equal(freshKeys, knownKeys) || known.Person.Status != "invited" || len(known.Person.Memberships) != 1 ||
		known.Person.Memberships[0].DepartmentID != 1 || known.Person.Memberships[0].Role != "viewer" ||
		!strings.Contains(known.Link, staff.InvitePath+"?token=") || !strings.Contains(fresh.Link, staff.InvitePath+"?token=") {
		t.Fatalf("the answers differ: new %+v %v, existing elsewhere %+v %v", fresh, freshKeys, known, knownKeys)
	}
	if r, b := call(t, hs, "POST", "/api/v1/persons", `{"email":"new@example.org","role":"viewer"}`, root); r.StatusCode != http.StatusConflict {
		t.Fatalf("inviting a person of the department again: %d %s", r.StatusCode, b)
	}
	if p, _ := f.svc.Get(t.Context(), ext.ID); len(p.Memberships) != 1 {
		t.Fatalf("the invitation gave access before it was accepted: %+v", p.Memberships)
	}

	token := known.Link[strings.Index(known.Link, "token=")+len("token="):]
	if r, b := call(t, hs, "POST", "/api/v1/auth/accept", `{"token":"`+token+`","password":"a new password of mine"}`, nil); r.StatusCode != 422 ||
		!strings.Contains(b, "current_password") {
		t.Fatalf("join with another password: %d %s", r.StatusCode, b)
	}
	var failures int
	f.db.QueryRow(t.Context(), `SELECT count(*) FROM login_failures WHERE email_key = 'ext@example.org'`).Scan(&failures)
	if failures != 1 {
		t.Fatalf("a wrong password on a join link is not a failed login: %d failures", failures)
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
		t.Fatalf("the join link works twice: %d %s", r.StatusCode, b)
	}
	// The new address's invitation still sets a password.
	freshToken := fresh.Link[strings.Index(fresh.Link, "token=")+len("token="):]
	if r, b := call(t, hs, "POST", "/api/v1/auth/accept", `{"token":"`+freshToken+`","password":"another long passphrase"}`, nil); r.StatusCode != 200 {
		t.Fatalf("accept a new invitation: %d %s", r.StatusCode, b)
	}
}
