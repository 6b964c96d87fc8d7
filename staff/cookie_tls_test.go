package staff_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
	"github.com/prometheus/client_golang/prometheus"
)

// TestAPISessionCookieSecureOverTLS: the API's session cookie follows the
// rule of every cookie (httpapi.SecureCookie): Secure when the listener is
// reached over its own TLS though no https admin URL is configured, on
// login and on logout.
func TestAPISessionCookieSecureOverTLS(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(t), f.svc, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	(&staff.API{S: f.svc}).Routes(rt)
	hs := httptest.NewTLSServer(mux)
	t.Cleanup(hs.Close)
	post := func(path, body string, hdr map[string]string) *http.Cookie {
		t.Helper()
		req, _ := http.NewRequest("POST", hs.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == staff.CookieName {
				return c
			}
		}
		t.Fatalf("%s: %d without a session cookie", path, resp.StatusCode)
		return nil
	}
	c := post("/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`, nil)
	if !c.Secure || c.Value == "" {
		t.Fatalf("login over TLS: %q", c.String())
	}
	if out := post("/api/v1/auth/logout", "", map[string]string{"Cookie": staff.CookieName + "=" + c.Value,
		"X-CSRF-Token": f.svc.CSRFToken(c.Value)}); !out.Secure {
		t.Fatalf("logout over TLS: %q", out.String())
	}
}
