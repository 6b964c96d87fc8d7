package console

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleImportMapping: the import screen offers the column mapping,
// and an upload whose address column is called "E-mailadres" imports its
// rows when the form maps that column.
func TestConsoleImportMapping(t *testing.T) {
	e := newBenchEnv(t, 1, 2)
	get := func(path string) string {
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(e.cookie)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		return w.Body.String()
	}
	page := get("/console/imports/new")
	if !strings.Contains(page, `name="email_column"`) || !strings.Contains(page, `name="name_column"`) {
		t.Fatal("import screen lacks the column mapping")
	}
	m := regexp.MustCompile(`/console/imports\?csrf=([^"&]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("import screen has no CSRF token")
	}
	csrf := m[1]
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"source": "import", "purpose": "news", "email_column": "E-mailadres", "name_column": "Naam"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "leden.csv")
	fw.Write([]byte("Naam,E-mailadres\nCor Visser,cor@example.org\n"))
	mw.Close()
	r := httptest.NewRequest("POST", "/console/imports?csrf="+csrf, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(e.cookie)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%.500s", w.Code, w.Body.String())
	}
	e.h.Wait()
	var name string
	if err := e.pool.QueryRow(context.Background(), `SELECT name FROM contacts WHERE email = 'cor@example.org'`).Scan(&name); err != nil || name != "Cor Visser" {
		t.Errorf("imported contact: %q, %v; want Cor Visser", name, err)
	}
}
