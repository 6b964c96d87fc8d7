package console

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleImportAsksForTheFileAgain: an upload whose form comes back
// with an error (here no purpose) keeps what was typed, and says beside
// the file field that the file must be chosen again (a browser cannot
// fill a file field in), instead of silently showing it empty.
func TestConsoleImportAsksForTheFileAgain(t *testing.T) {
	e := newBenchEnv(t, 1, 1)
	r := httptest.NewRequest("GET", "/console/imports/new", nil)
	r.AddCookie(e.cookie)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("no CSRF token on the import screen")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", m[1])
	mw.WriteField("source", "import")
	mw.WriteField("evidence", "ledenlijst maart")
	fw, _ := mw.CreateFormFile("file", "leden.csv")
	fw.Write([]byte("email,name\ncor@example.org,Cor\n"))
	mw.Close()
	r = httptest.NewRequest("POST", "/console/imports", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(e.cookie)
	w = httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	page := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("upload without a purpose: %d, want 422\n%.500s", w.Code, page)
	}
	if !strings.Contains(page, `value="ledenlijst maart"`) {
		t.Error("the evidence typed is lost")
	}
	if !strings.Contains(page, "Choose the file again") {
		t.Errorf("the file field does not ask for the file again:\n%.4000s", page)
	}
}
