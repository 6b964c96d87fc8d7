package console

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// domainMsg finds the message of a domain error made with a constant text
// or format: errs.Invalid("field", "text"), errs.Invalidf(field,
// "text %s", v), errs.Conflict("code", "text") and the like, and the
// refusals the error page shows (beyond_own_permissions, written with
// fmt.Sprintf), the text not followed by more (a concatenation).
var domainMsg = regexp.MustCompile(`errs\.(?:(?:Invalidf?|Conflict|NotFound|Unavailable)\((?:"[^"]*"|[A-Za-z_.]+|fmt\.Sprintf\([^()]*\))|Forbidden\("beyond_own_permissions"),\s*(?:fmt\.Sprintf\()?"((?:[^"\\]|\\.)*)"\s*[,)]`)

// formatVerb is a verb trMsg cannot fill in (it puts back numbers, %d,
// and names, %s and %q).
var formatVerb = regexp.MustCompile(`%[^dsq%]`)

// TestDomainMessagesInBothLanguages walks the domain packages whose errors
// the console shows (as a field error, or on the error page): every message
// with a constant text has its "msg:" entry in Dutch (and so, by
// TestMessagesComplete, in English), so a Dutch screen shows no English.
// Messages with a name in them (%s, %q) have theirs too: trMsg puts the
// name back in its place.
func TestDomainMessagesInBothLanguages(t *testing.T) {
	n := 0
	for _, dir := range []string{"../contacts", "../optin", "../staff", "../campaigns", "../privacy", "../internal/identity"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", dir, err)
		}
		for _, fn := range files {
			if strings.HasSuffix(fn, "_test.go") {
				continue
			}
			b, err := os.ReadFile(fn)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range domainMsg.FindAllStringSubmatch(string(b), -1) {
				msg := m[1]
				if formatVerb.MatchString(msg) || strings.Contains(msg, `\`) {
					continue
				}
				n++
				key := "msg:" + numbers.ReplaceAllString(msg, "%d")
				if _, ok := nl[key]; !ok {
					t.Errorf("%s: no Dutch for %q (key %q)", fn, msg, key)
				}
				if en[key] != "" && en[key] != msg && numbers.ReplaceAllString(en[key], "%d") != key[len("msg:"):] {
					t.Errorf("%s: the English of %q is %q", fn, key, en[key])
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d domain messages: the scan is broken", n)
	}
	for k, v := range nl {
		if !strings.HasPrefix(k, "msg:") {
			continue
		}
		if numbers.MatchString(k) {
			t.Errorf("%q: a key with a figure in it is never found (trMsg looks up figures as %%d)", k)
		}
		if strings.Count(k, "%d") != strings.Count(v, "%d") {
			t.Errorf("%q: the Dutch %q does not keep every number", k, v)
		}
	}
	if got := trMsg("nl", "is not valid UTF-8 (save the file as UTF-8)"); got != "is geen geldige UTF-8 (sla het bestand op als UTF-8)" {
		t.Errorf("a message with figures in Dutch: %q", got)
	}
	for msg, want := range map[string]string{
		"this person holds the permission users.manage, which you do not hold; ask someone who holds it": "deze persoon heeft het recht users.manage, dat u niet heeft; vraag het aan iemand die het wel heeft",
		`unknown permission "lists.nuke"`: `onbekend recht "lists.nuke"`,
		"send from one of this department's domains (GET /api/v1/departments/current/identity); example.net is not one": "verstuur vanaf een van de domeinen van deze afdeling (GET /api/v1/departments/current/identity); example.net hoort daar niet bij",
	} {
		if got := trMsg("nl", msg); got != want {
			t.Errorf("a message with a name in Dutch: %q, want %q", got, want)
		}
		if got := trMsg("en", msg); got != msg {
			t.Errorf("a message with a name in English: %q, want it as written", got)
		}
	}
}

// TestErrorPageInPersonsLanguage: a form refused on the error page (a
// field the page cannot leave wrong, such as the invitation's role select)
// names the reason in the person's language, not in English.
func TestErrorPageInPersonsLanguage(t *testing.T) {
	e := newAdminEnv(t)
	wantStatus(t, "language", e.post("/console/language", url.Values{"lang": {"nl"}}), http.StatusSeeOther)
	body := html.UnescapeString(wantStatus(t, "invite without a role", e.post("/console/admin/people", url.Values{"email": {"new@example.org"}}),
		http.StatusUnprocessableEntity))
	if !strings.Contains(body, nl["invite.err.role"]) || strings.Contains(body, en["invite.err.role"]) {
		t.Errorf("the Dutch error page does not give %q:\n%.3000s", nl["invite.err.role"], body)
	}
}
