package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestLoginRedirectStaysInTheConsole: after a login the console follows the
// form's next, which a link to the login page chooses. A path that starts
// with /console/ but leaves it once cleaned, or that a browser reads as
// another host (a backslash is a slash to it: "/\evil.example" is
// "//evil.example"), must not be followed.
func TestLoginRedirectStaysInTheConsole(t *testing.T) {
	e := newLinkEnv(t, nil)
	for next, want := range map[string]string{
		"/console/contacts?q=a":           "/console/contacts?q=a",
		`/console/../\evil.example`:       "/console/",
		`/console/..\evil.example`:        "/console/",
		`/console/\\evil.example`:         "/console/",
		"/console/../../evil.example/x":   "/console/",
		"/console/../api/v1/contacts":     "/console/",
		"/console/..%2f..%2fevil.example": "/console/..%2f..%2fevil.example",
		"/console/\t/evil.example":        "/console/",
		"/console/../\t/evil.example":     "/console/",
	} {
		w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"},
			"password": {"a long and quiet harbour 42"}, "next": {next}}, "")
		loc := w.Header().Get("Location")
		if w.Code != 303 || loc != want {
			t.Errorf("next %q: %d to %q, want 303 to %q", next, w.Code, loc, want)
		}
		if strings.ContainsAny(loc, `\`+"\t") || strings.HasPrefix(loc, "//") {
			t.Errorf("next %q: Location %q leaves the console", next, loc)
		}
	}
}

// TestLoginRefusesAnOpaqueOrigin: a login form posted from a sandboxed
// frame or a data: URL of another site says Origin: null; a browser that
// sends no Sec-Fetch-Site would otherwise let it log the visitor in as
// the attacker (login CSRF). Over real HTTP.
func TestLoginRefusesAnOpaqueOrigin(t *testing.T) {
	e := newLinkEnv(t, nil)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {"admin@example.org"}, "password": {"a long and quiet harbour 42"}, "next": {"/console/"}}
	for _, tc := range []struct {
		origin, site string
		want         int
	}{
		{"null", "", http.StatusForbidden},
		{"null", "cross-site", http.StatusForbidden},
		{"null", "same-origin", http.StatusSeeOther},
		{"", "", http.StatusSeeOther},
		{srv.URL, "", http.StatusSeeOther},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/console/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		if tc.site != "" {
			req.Header.Set("Sec-Fetch-Site", tc.site)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var session bool
		for _, c := range resp.Cookies() {
			session = session || c.Name == staff.CookieName && c.Value != ""
		}
		if resp.StatusCode != tc.want || session != (tc.want == http.StatusSeeOther) {
			t.Errorf("Origin %q, Sec-Fetch-Site %q: %d, session cookie %v; want %d", tc.origin, tc.site, resp.StatusCode, session, tc.want)
		}
	}
}

// TestSessionCookieSecure: the console's session cookie is HttpOnly and
// SameSite=Strict, and Secure when staff reach the console over https —
// behind a proxy (SecureCookie) the request itself comes without TLS.
func TestSessionCookieSecure(t *testing.T) {
	e := newLinkEnv(t, nil)
	for _, secure := range []bool{false, true} {
		e.h.SecureCookie = secure
		w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"},
			"password": {"a long and quiet harbour 42"}, "next": {"/console/"}}, "")
		var c *http.Cookie
		for _, k := range w.Result().Cookies() {
			if k.Name == staff.CookieName {
				c = k
			}
		}
		if w.Code != 303 || c == nil || c.Value == "" {
			t.Fatalf("login: %d, cookie %v", w.Code, c)
		}
		if c.Secure != secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("SecureCookie %v: cookie %q", secure, c.String())
		}
	}
}
