package staff_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/staff"
)

// TestOwnTokensAndSessionsOverAPI: a person lists their own tokens (never
// a secret), makes one with an expiry that the list shows, revokes it with
// DELETE /api/v1/auth/tokens/{id} and it stops working; another person's
// token is not found for them and keeps working; an expiry in the past is
// refused naming expires_at; a token past its expiry stops working.
// DELETE /api/v1/auth/sessions ends every other session of the person and
// keeps this one. Over real HTTP.
func TestOwnTokensAndSessionsOverAPI(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("ann@example.org", "marketer")
	f.person("bob@example.org", "marketer")
	hs, _ := newAPI(t, f)
	login := func(email string) map[string]string {
		t.Helper()
		resp, body := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"a long enough passphrase"}`, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
		}
		var in struct {
			CSRF string `json:"csrf_token"`
		}
		json.Unmarshal([]byte(body), &in)
		h := map[string]string{"X-CSRF-Token": in.CSRF, "Content-Type": "application/json"}
		for _, c := range resp.Cookies() {
			if c.Name == staff.CookieName {
				h["Cookie"] = c.Name + "=" + c.Value
			}
		}
		return h
	}
	ann, ann2, bob := login("ann@example.org"), login("ann@example.org"), login("bob@example.org")
	mk := func(h map[string]string, body string) (int, map[string]any) {
		t.Helper()
		resp, b := call(t, hs, "POST", "/api/v1/auth/tokens", body, h)
		var out map[string]any
		json.Unmarshal([]byte(b), &out)
		return resp.StatusCode, out
	}
	works := func(secret string) bool {
		resp, _ := call(t, hs, "GET", "/api/v1/auth/me", "", map[string]string{"Authorization": "Bearer " + secret})
		return resp.StatusCode == 200
	}
	until := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	code, tok := mk(ann, fmt.Sprintf(`{"name":"deploy","expires_at":%q}`, until.Format(time.RFC3339)))
	if code != http.StatusCreated || tok["expires_at"] == nil {
		t.Fatalf("token with an expiry: %d %v", code, tok)
	}
	secret, id := tok["token"].(string), int64(tok["id"].(float64))
	_, bobTok := mk(bob, `{"name":"bob's"}`)
	bobSecret, bobID := bobTok["token"].(string), int64(bobTok["id"].(float64))
	if code, out := mk(ann, `{"name":"past","expires_at":"2001-01-01T00:00:00Z"}`); code != 422 || !strings.Contains(fmt.Sprint(out), "expires_at") {
		t.Errorf("an expiry in the past: %d %v, want 422 naming expires_at", code, out)
	}

	resp, body := call(t, hs, "GET", "/api/v1/auth/tokens", "", ann)
	if resp.StatusCode != 200 || !strings.Contains(body, `"deploy"`) || strings.Contains(body, "bob's") || strings.Contains(body, secret) ||
		!strings.Contains(body, until.Format("2006-01-02T15:04:05")) {
		t.Fatalf("ann's tokens: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, hs, "DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", bobID), "", ann); resp.StatusCode != 404 {
		t.Errorf("ann revoking bob's token: %d, want 404", resp.StatusCode)
	}
	if !works(bobSecret) {
		t.Fatal("bob's token stopped working after ann's refused revocation")
	}
	if resp, body := call(t, hs, "DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", id), "", ann); resp.StatusCode != 204 {
		t.Fatalf("ann revoking her token: %d %s", resp.StatusCode, body)
	}
	if works(secret) {
		t.Fatal("a revoked token still works")
	}

	// Past its expiry a token stops working and leaves the list.
	if _, err := f.db.Exec(t.Context(), `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, bobID); err != nil {
		t.Fatal(err)
	}
	if works(bobSecret) {
		t.Fatal("an expired token still works")
	}
	if _, body := call(t, hs, "GET", "/api/v1/auth/tokens", "", bob); strings.Contains(body, "bob's") {
		t.Errorf("an expired token is listed: %s", body)
	}

	// Sign out everywhere else.
	resp, body = call(t, hs, "DELETE", "/api/v1/auth/sessions", "", ann)
	if resp.StatusCode != 200 || !strings.Contains(body, `"revoked":1`) {
		t.Fatalf("sign out other sessions: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, hs, "GET", "/api/v1/auth/me", "", ann2); resp.StatusCode == 200 {
		t.Error("ann's other session still works")
	}
	if resp, _ := call(t, hs, "GET", "/api/v1/auth/me", "", ann); resp.StatusCode != 200 {
		t.Error("ann's own session ended")
	}
	if resp, _ := call(t, hs, "GET", "/api/v1/auth/me", "", bob); resp.StatusCode != 200 {
		t.Error("bob's session ended")
	}
}
