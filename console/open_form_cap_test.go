package console

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleOpenFormTooLarge: the forms outside a session (login with
// its TOTP code, invitation accept, password reset and its request)
// follow the one rule of every console form: a body over the cap is
// refused with 413 naming the limit, never read as an empty or wrong form
// (422) — whether sent url-encoded or as multipart with the big field
// first. Within the cap the login still works.
func TestConsoleOpenFormTooLarge(t *testing.T) {
	e := newLinkEnv(t, nil)
	big := strings.Repeat("x", 30<<20)
	for _, path := range []string{"/console/login", "/console/invite", "/console/reset", "/console/reset-request"} {
		form := url.Values{"email": {"admin@example.org"}, "password": {big}, "code": {"123456"}, "token": {"t"}}
		w := e.do("POST", path, form, "")
		body := w.Body.String()
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than the limit of 1 MiB") {
			t.Errorf("%s url-encoded over the cap: %d\n%.1500s", path, w.Code, body)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("password", big)
		mw.WriteField("email", "admin@example.org")
		mw.Close()
		r := httptest.NewRequest("POST", path, &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "larger than the limit of 1 MiB") {
			t.Errorf("%s multipart over the cap: %d\n%.1500s", path, rec.Code, rec.Body)
		}
	}
	// Over a real connection too: the refusal comes before the body is read
	// to its end.
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	form := url.Values{"email": {"admin@example.org"}, "password": {big}}
	resp, err := http.Post(srv.URL+"/console/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("login over a connection, over the cap: %d", resp.StatusCode)
	}
	e.consoleLogin("admin@example.org", "a long and quiet harbour 42", "")
}
