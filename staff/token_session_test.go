package staff_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

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
