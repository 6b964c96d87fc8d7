package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestEveryCookieFollowsTheSessionCookiesSecureRule: over real HTTP, a
// visit that logs in, changes the language (a flash message), shows a
// page (the flash cleared) and logs out gets Secure on every cookie set
// (session and flash alike) when the console is reached over TLS, or over
// plain HTTP behind an https proxy (SecureCookie); and on none over plain
// HTTP without it.
func TestEveryCookieFollowsTheSessionCookiesSecureRule(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tls, behind bool
		wantSecure  bool
	}{
		{"over TLS", true, false, true},
		{"behind an https proxy", false, true, true},
		{"plain http", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLinkEnv(t, nil)
			e.h.SecureCookie = tc.behind
			var srv *httptest.Server
			if tc.tls {
				srv = httptest.NewTLSServer(e.h)
			} else {
				srv = httptest.NewServer(e.h)
			}
			t.Cleanup(srv.Close)
			client := srv.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			jar := map[string]string{}
			seen := map[string]int{}
			do := func(method, path string, form url.Values) {
				t.Helper()
				var body *strings.Reader
				if form != nil {
					body = strings.NewReader(form.Encode())
				} else {
					body = strings.NewReader("")
				}
				req, _ := http.NewRequest(method, srv.URL+path, body)
				if form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				for k, v := range jar {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 400 {
					t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
				}
				for _, c := range resp.Cookies() {
					seen[c.Name]++
					if c.Secure != tc.wantSecure {
						t.Errorf("%s %s sets %q: Secure %v, want %v", method, path, c.String(), c.Secure, tc.wantSecure)
					}
					if c.MaxAge < 0 {
						delete(jar, c.Name)
					} else {
						jar[c.Name] = c.Value
					}
				}
			}
			do("GET", "/console/login", nil)
			do("POST", "/console/login", url.Values{"email": {"admin@example.org"},
				"password": {"a long and quiet harbour 42"}, "next": {"/console/"}})
			csrf := e.st.CSRFToken(jar[staff.CookieName])
			do("POST", "/console/language", url.Values{"csrf": {csrf}, "lang": {"nl"}, "next": {"/console/"}})
			if jar[flashCookie] == "" {
				t.Fatal("changing the language set no flash message")
			}
			do("GET", "/console/", nil)
			do("POST", "/console/logout", url.Values{"csrf": {csrf}})
			if seen[staff.CookieName] < 2 || seen[flashCookie] < 3 {
				t.Fatalf("cookies set: %v", seen)
			}
		})
	}
}
