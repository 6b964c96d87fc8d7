package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A console link whose query or path holds a NUL or bytes that are not
// UTF-8 (anyone can send a member of staff such a link) is a 422 naming the
// parameter, as on the API; it used to reach Postgres and answer 500.
func TestConsoleRefusesTextPostgresCannotHold(t *testing.T) {
	e := newAdminEnv(t)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/console/contacts?q=%00", "/console/contacts?q=%ff", "/console/privacy/audit?action=%ff",
		"/console/campaigns/1/preview?contact=%ff", "/console/admin/roles/%ff/edit", "/console/contacts?%ff=1"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.AddCookie(e.cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("GET %s: %d, want 422\n%.300s", path, resp.StatusCode, b)
		}
	}
}
