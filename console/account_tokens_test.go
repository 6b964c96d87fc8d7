package console

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
)

var secretRe = regexp.MustCompile(`pb_[A-Za-z0-9_-]{20,}`)

// TestConsoleOwnTokens, over HTTP with real sessions: a person makes a
// personal API token with an expiry and sees its secret once, on the
// answer to the POST; the account list then shows its name and expiry and
// never the secret, nor does the audit log. The secret authenticates as
// the person. A form without a name or with an expiry not offered comes
// back with 422 naming the field. The confirmation page (a GET) revokes
// nothing; the POST does (audited) and the secret stops working. Another
// person can neither see the confirmation nor revoke the token (404) and
// the token keeps working.
func TestConsoleOwnTokens(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	ann, annC := w.login("ann@example.org", access.DefaultDepartment, access.RoleMarketer)
	_, bobC := w.login("bob@example.org", access.DefaultDepartment, access.RoleMarketer)

	code, body, _ := w.call("POST", "/console/account/tokens", url.Values{"name": {"deploy script"}, "expires": {"30"}}, annC)
	secret := secretRe.FindString(body)
	if code != 200 || secret == "" || !strings.Contains(body, "shown only this once") {
		t.Fatalf("create token: %d, secret %q\n%.2000s", code, secret, body)
	}
	a, err := w.st.AuthenticateToken(ctx, secret, netip.MustParseAddr("192.0.2.1"))
	if err != nil || a.PersonID != ann.ID {
		t.Fatalf("the new token does not act for ann: %+v %v", a, err)
	}
	toks, _ := w.st.OwnTokens(access.WithDepartment(ctx, access.DefaultDepartment), ann.ID)
	if len(toks) != 1 || toks[0].ExpiresAt == nil {
		t.Fatalf("ann's tokens: %+v", toks)
	}
	id := toks[0].ID

	_, body, _ = w.call("GET", "/console/account", nil, annC)
	if !strings.Contains(body, "deploy script") || strings.Contains(body, secret) || secretRe.MatchString(body) {
		t.Errorf("the account list: name shown %v, a secret shown %v", strings.Contains(body, "deploy script"), secretRe.MatchString(body))
	}
	if !strings.Contains(body, toks[0].ExpiresAt.UTC().Format("2006-01-02")) {
		t.Error("the account list does not show the expiry")
	}
	var leaked int
	w.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log a WHERE a::text LIKE '%' || $1 || '%'`, secret).Scan(&leaked)
	if leaked != 0 || w.audits("token-create", id) != 1 {
		t.Errorf("audit: %d entries hold the secret, %d token-create entries", leaked, w.audits("token-create", id))
	}

	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"name": {" "}, "expires": {"30"}}, "token_name"},
		{url.Values{"name": {"x"}, "expires": {"9999"}}, "expires"},
		{url.Values{"name": {"bad\u202ename"}, "expires": {""}}, "token_name"},
	} {
		code, body, _ := w.call("POST", "/console/account/tokens", tc.form, annC)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tc.field+`-error"`) || secretRe.MatchString(body) {
			t.Errorf("invalid token form %v: %d, want 422 naming %s", tc.form, code, tc.field)
		}
	}

	// Bob cannot reach ann's token.
	confirm := fmt.Sprintf("/console/account/tokens/%d/revoke", id)
	if code, _, _ := w.call("GET", confirm, nil, bobC); code != http.StatusNotFound {
		t.Errorf("bob's confirmation of ann's token: %d, want 404", code)
	}
	if code, _, _ := w.call("POST", confirm, url.Values{}, bobC); code != http.StatusNotFound {
		t.Errorf("bob revoking ann's token: %d, want 404", code)
	}
	if _, err := w.st.AuthenticateToken(ctx, secret, netip.Addr{}); err != nil {
		t.Fatal("ann's token stopped working after bob's refused revocation")
	}

	code, body, _ = w.call("GET", confirm, nil, annC)
	if code != 200 || !strings.Contains(body, `action="`+confirm+`"`) {
		t.Fatalf("confirmation: %d", code)
	}
	if _, err := w.st.AuthenticateToken(ctx, secret, netip.Addr{}); err != nil {
		t.Fatal("the confirmation page (a GET) revoked the token")
	}
	if code, _, loc := w.call("POST", confirm, url.Values{}, annC); code != http.StatusSeeOther || loc != "/console/account" {
		t.Fatalf("revoke: %d %s", code, loc)
	}
	if _, err := w.st.AuthenticateToken(ctx, secret, netip.Addr{}); err == nil {
		t.Fatal("a revoked token still works")
	}
	if w.audits("token-revoke", id) != 1 {
		t.Error("revoking is not audited")
	}
	if _, body, _ := w.call("GET", "/console/account", nil, annC); strings.Contains(body, "deploy script") {
		t.Error("a revoked token is still listed")
	}
}
