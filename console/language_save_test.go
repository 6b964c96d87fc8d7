package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLanguageSwitchStaysOnThePage: changing the language from a page
// comes back to that page (with its query), in the new language, not to
// the overview; a next outside the console, or the page of a form that
// came back with errors (its path takes no GET), goes to the overview.
func TestLanguageSwitchStaysOnThePage(t *testing.T) {
	e := newAdminEnv(t)
	body := wantStatus(t, "lists", e.get("/console/lists?x=1"), http.StatusOK)
	if !strings.Contains(body, `<input type="hidden" name="next" value="/console/lists?x=1">`) {
		t.Fatalf("the language form does not carry the page:\n%.3000s", body)
	}
	for next, want := range map[string]string{
		"/console/lists?x=1":       "/console/lists?x=1",
		"//evil.example/console/":  "/console/",
		"/console/../api/v1/lists": "/console/",
		"https://evil.example/x":   "/console/",
	} {
		w := e.post("/console/language", url.Values{"lang": {"nl"}, "next": {next}})
		if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != want {
			t.Errorf("next %q: %d to %q, want 303 to %q", next, w.Code, loc, want)
		}
	}
	if body := wantStatus(t, "lists in Dutch", e.get("/console/lists?x=1"), http.StatusOK); !strings.Contains(body, `lang="nl"`) {
		t.Errorf("the page is not in Dutch:\n%.1000s", body)
	}
	body = wantStatus(t, "a form with errors", e.post("/console/lists", url.Values{"slug": {"Bad Slug"}}), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `<input type="hidden" name="next" value="/console/">`) {
		t.Errorf("a form that came back with errors sends the language switch to its POST path:\n%.3000s", body)
	}
}
