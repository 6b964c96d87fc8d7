package console

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleImportBrokenFile: the console's upload is read by the same
// reader as the API's, so a quote that is not closed costs its row only
// (reported with its row and column, in the person's language) and the
// rows after it are imported; a header over the limit fails the import
// with a message naming row 1 and the limit, in Dutch on a Dutch screen.
func TestConsoleImportBrokenFile(t *testing.T) {
	e := newAdminEnv(t)
	upload := func(file string) string {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", e.csrf)
		mw.WriteField("source", "import")
		mw.WriteField("purpose", "news")
		fw, _ := mw.CreateFormFile("file", "leden.csv")
		fw.Write([]byte(file))
		mw.Close()
		r := httptest.NewRequest("POST", "/console/imports", &body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.AddCookie(e.cookie)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		wantStatus(t, "upload", w, http.StatusSeeOther)
		e.h.Wait()
		return w.Header().Get("Location")
	}
	quoted := upload("email,name,city\nann@example.org,Ann,\"Delft\nbob@example.org,Bob,Ede\ncor@example.org,Cor,Gouda\"\n")
	header := upload("email," + strings.Repeat("n", 70<<10) + "\ndirk@example.org,Dirk\n")
	var emails []string
	rows, _ := e.pool.Query(context.Background(), `SELECT email FROM contacts WHERE email LIKE '%@example.org' AND email NOT LIKE 'user%' ORDER BY email`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		emails = append(emails, s)
	}
	if strings.Join(emails, " ") != "bob@example.org" {
		t.Errorf("imported %v, want only bob@example.org (ann's row has the open quote, cor's a stray one)", emails)
	}
	for lang, want := range map[string][2]string{
		"en": {"quote not closed: the quoted field in column 3 does not end on this row", "row 1: the header line is longer than 64 KiB"},
		"nl": {"aanhalingsteken niet gesloten: het veld tussen aanhalingstekens in kolom 3 eindigt niet op deze rij", "rij 1: de kopregel is langer dan 64 KiB"},
	} {
		wantStatus(t, "language", e.post("/console/language", url.Values{"lang": {lang}}), http.StatusSeeOther)
		page := wantStatus(t, "import screen", e.get(quoted), http.StatusOK)
		if !strings.Contains(page, "<td>2</td><td>city</td><td>"+want[0]+"</td>") {
			t.Errorf("%s: the import screen does not report row 2, column city: %q", lang, want[0])
		}
		page = wantStatus(t, "import screen", e.get(header), http.StatusOK)
		if !strings.Contains(page, want[1]) {
			t.Errorf("%s: the failed import does not say %q", lang, want[1])
		}
	}
}

// TestImportFileMessagesInDutch: every reason the import's reader gives
// for a row or a refused file reads in Dutch on a Dutch screen (the row
// they name too).
func TestImportFileMessagesInDutch(t *testing.T) {
	for _, msg := range []string{
		"quote not closed: the quoted field in column 3 does not end on this row",
		"the line is longer than 1 MiB, the limit of a row",
		"is not a JSON object (the attributes column of an export)",
		"row 1: the header line is longer than 64 KiB, the limit of a header line (is the first line the column names?)",
		"row 1: the header has a quote that is not closed",
		"row 1: the file is empty: it has no header line with the column names",
		"row 1: header is not valid UTF-8 (save the file as UTF-8)",
		"row 1: the lines end in a carriage return alone (as \"CSV (Macintosh)\" saves them), so the header runs into the rows; save the file with line feeds (LF or CRLF)",
		"row 1: header column 2 holds a control character",
		"row 1: header column 3 (e-mail) repeats column 1",
		"row 1: header has no column \"E-mailadres\" (the email column)",
		"row 1: header has no email column",
		"row 1: header has no column \"Naam\" (the name column)",
		"file is UTF-16; save it as UTF-8",
		"file is not text in UTF-8 (NUL bytes at the start)",
	} {
		nl := trMsg("nl", msg)
		if nl == msg || strings.Contains(nl, "header") || strings.Contains(nl, "row") {
			t.Errorf("%q in Dutch: %q", msg, nl)
		}
		if en := trMsg("en", msg); en != msg {
			t.Errorf("%q in English: %q", msg, en)
		}
	}
	if got := trMsg("nl", `row 1: header column 3 (e-mail) repeats column 1`); got != "rij 1: kolom 3 van de kopregel (e-mail) herhaalt kolom 1" {
		t.Errorf("names and numbers put back: %q", got)
	}
}
