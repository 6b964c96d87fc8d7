package console

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// wire is the console of an adminEnv served over real HTTP (a loopback
// listener), for tests that follow a person's session end to end.
type wire struct {
	*adminEnv
	url    string
	client *http.Client
}

func newWire(t *testing.T) *wire {
	t.Helper()
	e := newAdminEnv(t)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	return &wire{adminEnv: e, url: srv.URL,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn logs a person in as a browser would (User-Agent and address
// recorded) and returns the session and its cookie.
func (w *wire) signIn(email, ua string, ip string) (staff.Session, *http.Cookie) {
	w.t.Helper()
	ses, secret, _, err := w.st.Login(context.Background(), staff.LoginInput{Email: email, Password: "a long and quiet harbour 42",
		UserAgent: ua, IP: netip.MustParseAddr(ip)})
	if err != nil {
		w.t.Fatal(err)
	}
	return ses, &http.Cookie{Name: staff.CookieName, Value: secret}
}

// call sends one request over HTTP as cookie c; a form gets c's CSRF
// token unless it has one. It returns the status, the body (HTML entities
// resolved) and the Location.
func (w *wire) call(method, path string, form url.Values, c *http.Cookie) (int, string, string) {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["csrf"]; !ok {
			form.Set("csrf", w.csrfOf(c))
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, w.url+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(c)
	resp, err := w.client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b)), resp.Header.Get("Location")
}

// signedIn reports whether cookie c still opens the overview.
func (w *wire) signedIn(c *http.Cookie) bool {
	code, _, _ := w.call("GET", "/console/", nil, c)
	return code == http.StatusOK
}

// audits counts the audit entries of action (on target id, when not 0).
func (w *wire) audits(action string, id int64) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND ($2 = 0 OR target_id = $2)`,
		action, id).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}
