package staff_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestAPILoginFromAnotherSite: another site's form can post JSON as
// text/plain (the field name holds the JSON, "=" lands in a string), which
// would sign the visitor's browser in to the attacker's account (login
// CSRF). A changing API request a browser marks as cross-site is refused,
// with no session made; a client that is not a browser (no Origin, no
// Sec-Fetch-Site) and the console's own pages still log in.
func TestAPILoginFromAnotherSite(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	body := `{"email":"root@example.org","password":"a long enough passphrase","code":"="}`
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"cross-site form", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"another origin", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, 403},
		{"same-site subdomain", map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "same-site"}, 403},
		{"opaque origin", map[string]string{"Content-Type": "text/plain", "Origin": "null"}, 403},
		{"not a browser", nil, 200},
		{"the console itself", map[string]string{"Origin": hs.URL, "Sec-Fetch-Site": "same-origin"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := call(t, hs, "POST", "/api/v1/auth/login", body, tc.hdr)
			made := false
			for _, c := range resp.Cookies() {
				made = made || (c.Name == staff.CookieName && c.Value != "")
			}
			if resp.StatusCode != tc.want || made != (tc.want == http.StatusOK) {
				t.Fatalf("%d (session cookie %v) %s; want %d", resp.StatusCode, made, b, tc.want)
			}
			if tc.want == 403 && !strings.Contains(b, `"csrf"`) {
				t.Fatalf("refusal: %s", b)
			}
		})
	}
	// A reset request from another site mails nothing either.
	if r, b := call(t, hs, "POST", "/api/v1/auth/reset-request", `{"email":"root@example.org"}`,
		map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}); r.StatusCode != 403 {
		t.Fatalf("cross-site reset request: %d %s", r.StatusCode, b)
	}
}

// TestAPIAnswersAreNotCached: an API answer may hold personal data (here
// the signed-in person and the session's CSRF token); no browser or proxy
// cache keeps it, and no browser reads it as another type.
func TestAPIAnswersAreNotCached(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	resp, b := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`, nil)
	for _, c := range resp.Cookies() {
		if c.Name == staff.CookieName {
			resp, b = call(t, hs, "GET", "/api/v1/auth/me", "", map[string]string{"Cookie": c.Name + "=" + c.Value})
		}
	}
	if resp.StatusCode != 200 || !strings.Contains(b, "root@example.org") {
		t.Fatalf("me: %d %s", resp.StatusCode, b)
	}
	if cc, ns := resp.Header.Get("Cache-Control"), resp.Header.Get("X-Content-Type-Options"); cc != "no-store" || ns != "nosniff" {
		t.Fatalf("Cache-Control %q, X-Content-Type-Options %q", cc, ns)
	}
	if r, _ := call(t, hs, "GET", "/api/v1/persons/1", "", nil); r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("an error answer: Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}
