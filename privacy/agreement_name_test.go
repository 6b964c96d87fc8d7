package privacy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/privacy"
)

// TestAgreementFileName: an agreement's file name, which staff read in the
// register and the browser saves the download as, is a name: one with a
// line break or a text direction control (which can make "x", U+202E,
// "fdp.html" read as "xlmth.pdf") is refused with 422 naming filename, and
// a Windows path keeps only its last part.
func TestAgreementFileName(t *testing.T) {
	e := newAPIEnv(t, privacy.Options{})
	store := func(name string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+"/api/v1/privacy/processor-agreements?processor=Mailhost&filename="+url.QueryEscape(name),
			strings.NewReader("%PDF-1.4 signed"))
		req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, name := range []string{"dpa\u202efdp.html", "dpa\r\nX-Injected: 1.pdf", "dpa\u200b.pdf"} {
		if code, raw := store(name); code != 422 || !strings.Contains(raw, `"field":"filename"`) {
			t.Errorf("file name %q: %d %s, want 422 naming filename", name, code, raw)
		}
	}
	code, raw := store(`C:\Users\eva\..\dpa.pdf`)
	var ag struct {
		Filename string `json:"filename"`
	}
	if code != 201 || json.Unmarshal([]byte(raw), &ag) != nil || ag.Filename != "dpa.pdf" {
		t.Errorf("a Windows path: %d %s, want 201 with filename dpa.pdf", code, raw)
	}
}
