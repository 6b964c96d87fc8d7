package pages_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFormCookieSecureOverTLS: the recipient pages' form cookie (pb_csrf)
// follows the rule of every cookie (httpapi.SecureCookie): Secure when the
// page is served over TLS although the configured base URL is http, not
// over plain http at an http base URL.
func TestFormCookieSecureOverTLS(t *testing.T) {
	e := newEnv(t, envOpt{})
	tlsSrv := httptest.NewTLSServer(e.srv.Handler())
	t.Cleanup(tlsSrv.Close)
	for _, tc := range []struct {
		url    string
		client *http.Client
		secure bool
	}{{tlsSrv.URL, tlsSrv.Client(), true}, {e.url, http.DefaultClient, false}} {
		resp, err := tc.client.Get(tc.url + "/privacy")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var n int
		for _, c := range resp.Cookies() {
			n++
			if c.Secure != tc.secure {
				t.Errorf("%s: cookie %q, want Secure %v", tc.url, c.String(), tc.secure)
			}
		}
		if resp.StatusCode != 200 || n == 0 {
			t.Fatalf("%s/privacy: %d, %d cookies", tc.url, resp.StatusCode, n)
		}
	}
}
