package console

import (
	"net/url"
	"strings"
	"testing"
)

// TestLoginRedirectStaysInTheConsole: after a login the console follows the
// form's next, which a link to the login page chooses. A path that starts
// with /console/ but leaves it once cleaned, or that a browser reads as
// another host (a backslash is a slash to it: "/\evil.example" is
// "//evil.example"), must not be followed.
func TestLoginRedirectStaysInTheConsole(t *testing.T) {
	e := newLinkEnv(t, nil)
	for next, want := range map[string]string{
		"/console/contacts?q=a":           "/console/contacts?q=a",
		`/console/../\evil.example`:       "/console/",
		`/console/..\evil.example`:        "/console/",
		`/console/\\evil.example`:         "/console/",
		"/console/../../evil.example/x":   "/console/",
		"/console/../api/v1/contacts":     "/console/",
		"/console/..%2f..%2fevil.example": "/console/..%2f..%2fevil.example",
		"/console/\t/evil.example":        "/console/",
		"/console/../\t/evil.example":     "/console/",
	} {
		w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"},
			"password": {"a long and quiet harbour 42"}, "next": {next}}, "")
		loc := w.Header().Get("Location")
		if w.Code != 303 || loc != want {
			t.Errorf("next %q: %d to %q, want 303 to %q", next, w.Code, loc, want)
		}
		if strings.ContainsAny(loc, `\`+"\t") || strings.HasPrefix(loc, "//") {
			t.Errorf("next %q: Location %q leaves the console", next, loc)
		}
	}
}
