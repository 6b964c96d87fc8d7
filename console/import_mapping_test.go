package console

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
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
	if !strings.Contains(page, `action="/console/imports"`) {
		t.Fatal("the import form's action carries more than its path (a token in the URL leaks into logs and Referer)")
	}
	m := regexp.MustCompile(`<form[^>]*multipart[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the import form does not start with its CSRF token")
	}
	csrf := m[1]
	upload := func(path, token string) *httptest.ResponseRecorder {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if token != "" {
			mw.WriteField("csrf", token)
		}
		for k, v := range map[string]string{"source": "import", "purpose": "news", "email_column": "E-mailadres", "name_column": "Naam"} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "leden.csv")
		fw.Write([]byte("Naam,E-mailadres\nCor Visser,cor@example.org\n"))
		mw.Close()
		r := httptest.NewRequest("POST", path, &body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.AddCookie(e.cookie)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w
	}
	for what, w := range map[string]*httptest.ResponseRecorder{
		"token in the URL only": upload("/console/imports?csrf="+csrf, ""),
		"wrong token":           upload("/console/imports", csrf+"x"),
	} {
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", what, w.Code)
		}
	}
	w := upload("/console/imports", csrf)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%.500s", w.Code, w.Body.String())
	}
	e.h.Wait()
	var name string
	if err := e.pool.QueryRow(context.Background(), `SELECT name FROM contacts WHERE email = 'cor@example.org'`).Scan(&name); err != nil || name != "Cor Visser" {
		t.Errorf("imported contact: %q, %v; want Cor Visser", name, err)
	}
}

// TestConsoleImportMediaTypeCase: a media type's name is case-insensitive,
// so an upload sent as "Multipart/Form-Data" is read the one way every
// upload is: its token must be the first part (not found anywhere in a
// body parsed into memory), and with it first the file imports.
func TestConsoleImportMediaTypeCase(t *testing.T) {
	e := newBenchEnv(t, 1, 2)
	r := httptest.NewRequest("GET", "/console/imports/new", nil)
	r.AddCookie(e.cookie)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	m := regexp.MustCompile(`<form[^>]*multipart[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("the import form does not start with its CSRF token")
	}
	upload := func(tokenFirst bool) *httptest.ResponseRecorder {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if tokenFirst {
			mw.WriteField("csrf", m[1])
		}
		for k, v := range map[string]string{"source": "import", "purpose": "news"} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "leden.csv")
		fw.Write([]byte("name,email\nDirk,dirk@example.org\n"))
		if !tokenFirst {
			mw.WriteField("csrf", m[1])
		}
		mw.Close()
		r := httptest.NewRequest("POST", "/console/imports", &body)
		r.Header.Set("Content-Type", "Multipart/Form-Data; boundary="+mw.Boundary())
		r.AddCookie(e.cookie)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w
	}
	if w := upload(false); w.Code != http.StatusForbidden {
		t.Errorf("token as the last part: %d, want 403", w.Code)
	}
	if w := upload(true); w.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%.500s", w.Code, w.Body.String())
	}
	e.h.Wait()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts WHERE email = 'dirk@example.org'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("imported contacts: %d, %v; want 1", n, err)
	}
}

// TestConsoleImportErrorsInLanguage: the rejected rows of an import, on
// the import screen and as the CSV download, are in the person's language:
// the header and each reason.
func TestConsoleImportErrorsInLanguage(t *testing.T) {
	e := newAdminEnv(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", e.csrf)
	mw.WriteField("source", "import")
	mw.WriteField("purpose", "news")
	fw, _ := mw.CreateFormFile("file", "leden.csv")
	fw.Write([]byte("email,name\nnot an address,A\nann@example.org,Ann\nann@example.org,Ann again\n"))
	mw.Close()
	r := httptest.NewRequest("POST", "/console/imports", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(e.cookie)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	wantStatus(t, "upload", w, http.StatusSeeOther)
	job := w.Header().Get("Location")
	e.h.Wait()
	for lang, want := range map[string][]string{
		"en": {"Row,Field,Reason", "must be an address like name@example.org", "duplicate of row 3"},
		"nl": {"Rij,Veld,Reden", "moet een adres zijn zoals naam@voorbeeld.nl", "dubbel: staat al in rij 3"},
	} {
		wantStatus(t, "language", e.post("/console/language", url.Values{"lang": {lang}}), http.StatusSeeOther)
		page := wantStatus(t, "import screen", e.get(job), http.StatusOK)
		csv := wantStatus(t, "errors.csv", e.get(job+"/errors.csv"), http.StatusOK)
		if head, _, _ := strings.Cut(csv, "\n"); strings.TrimSpace(strings.TrimPrefix(head, "\ufeff")) != want[0] {
			t.Errorf("%s: the errors CSV's header is %q, want %q", lang, head, want[0])
		}
		for _, s := range want {
			if !strings.Contains(csv, s) {
				t.Errorf("%s: the errors CSV lacks %q:\n%s", lang, s, csv)
			}
			if s != want[0] && !strings.Contains(page, s) {
				t.Errorf("%s: the import screen lacks %q", lang, s)
			}
		}
	}
}

// TestConsoleSlowUpload: over a real connection, an upload may take longer
// than the listener's read timeout (which bounds every other request):
// the import route gives it the upload timeout.
func TestConsoleSlowUpload(t *testing.T) {
	e := newAdminEnv(t)
	srv := httptest.NewUnstartedServer(e.h)
	srv.Config.ReadTimeout = time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("csrf", e.csrf)
		for k, v := range map[string]string{"source": "import", "purpose": "news"} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "slow.csv")
		for _, line := range []string{"email,name\n", "slow1@example.org,Een\n", "slow2@example.org,Twee\n", "slow3@example.org,Drie\n"} {
			time.Sleep(700 * time.Millisecond) // 2.8 s in all
			fw.Write([]byte(line))
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/console/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(e.cookie)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an upload over 2.8 s with a 1 s read timeout: %d\n%.600s", resp.StatusCode, body)
	}
	e.h.Wait()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts WHERE email LIKE 'slow_@example.org'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("imported %d of 3 contacts (%v)", n, err)
	}
}
