package staff_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

// TestTokensAreMadeFromASession: a person makes API tokens from a signed-in
// session; a token cannot make another, so a leaked token that is revoked
// leaves no token behind that it made. Over real HTTP.
func TestTokensAreMadeFromASession(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("maker@example.org", "marketer")
	hs, _ := newAPI(t, f)
	resp, body := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"maker@example.org","password":"a long enough passphrase"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var in struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &in)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == staff.CookieName {
			cookie = c.Name + "=" + c.Value
		}
	}
	resp, body = call(t, hs, "POST", "/api/v1/auth/tokens", `{"name":"from the session"}`,
		map[string]string{"Cookie": cookie, "X-CSRF-Token": in.CSRF, "Content-Type": "application/json"})
	var tok struct {
		Token string `json:"token"`
	}
	if json.Unmarshal([]byte(body), &tok); resp.StatusCode != http.StatusCreated || tok.Token == "" {
		t.Fatalf("token from a session: %d %s", resp.StatusCode, body)
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok.Token, "Content-Type": "application/json"}
	if resp, body := call(t, hs, "GET", "/api/v1/auth/me", "", bearer); resp.StatusCode != 200 {
		t.Fatalf("the token does not work: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, hs, "POST", "/api/v1/auth/tokens", `{"name":"from the token"}`, bearer)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "no_session") {
		t.Errorf("token made by a token: %d %s, want 409 no_session", resp.StatusCode, body)
	}
}

// TestServiceTokensAreMadeFromASession: POST /api/v1/tokens (a token for
// a program, which belongs to no person) is made from a signed-in session
// too. An administrator's own token, or an admin service token, that makes
// one would leave behind a token that outlives the revocation of the leaked
// one and the disabling of its person. Over real HTTP.
func TestServiceTokensAreMadeFromASession(t *testing.T) {
	f := newFixture(t, staff.Options{})
	root := f.person("root@example.org", "admin")
	hs, rt := newAPI(t, f)
	store := apitoken.NewStore(f.db)
	httpapi.Mount(rt, &staff.TokenAPI{Tokens: store, Staff: f.svc})
	ctx := access.WithDepartment(t.Context(), 1)
	_, own, err := f.svc.CreateToken(ctx, "root's token", root.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, svc, err := store.Create(ctx, "admin program", "admin")
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"a person's own token": own, "an admin service token": svc} {
		resp, body := call(t, hs, "POST", "/api/v1/tokens", `{"name":"left behind","role":"admin"}`,
			map[string]string{"Authorization": "Bearer " + secret, "Content-Type": "application/json"})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "no_session") {
			t.Errorf("service token made by %s: %d %s, want 409 no_session", name, resp.StatusCode, body)
		}
	}
	var made int64
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens WHERE name = 'left behind'`).Scan(&made); err != nil || made != 0 {
		t.Fatalf("tokens made by tokens: %d %v", made, err)
	}

	resp, body := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var in struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &in)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == staff.CookieName {
			cookie = c.Name + "=" + c.Value
		}
	}
	resp, body = call(t, hs, "POST", "/api/v1/tokens", `{"name":"from the session","role":"viewer"}`,
		map[string]string{"Cookie": cookie, "X-CSRF-Token": in.CSRF, "Content-Type": "application/json"})
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"token"`) {
		t.Fatalf("service token from a session: %d %s", resp.StatusCode, body)
	}
}
