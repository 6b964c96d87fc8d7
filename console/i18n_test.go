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

// TestCountedNounsAgree: a count before a noun takes the singular for one
// and the plural otherwise, in English and Dutch, on the screens (the
// personal-data inventory of a single contact) and in the messages whose
// translations name the forms.
func TestCountedNounsAgree(t *testing.T) {
	e := newAdminEnv(t)
	var n int
	e.pool.QueryRow(t.Context(), `SELECT count(*) FROM contacts`).Scan(&n)
	if n != 1 {
		t.Fatalf("the console's test data has %d contacts, want 1", n)
	}
	body := wantStatus(t, "reports", e.get("/console/privacy/reports"), http.StatusOK)
	if !strings.Contains(body, "1 contact holds these fields") {
		t.Errorf("the inventory does not say 1 contact holds:\n%.3000s", body)
	}
	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "reports in Dutch", e.get("/console/privacy/reports"), http.StatusOK)
	if !strings.Contains(body, "1 contact heeft deze velden") {
		t.Errorf("the Dutch inventory does not say 1 contact heeft:\n%.3000s", body)
	}
	for _, c := range []struct {
		lang, key string
		n         int64
		want      string
	}{
		{"en", "purge.button", 1, "Erase 1 contact"},
		{"en", "purge.button", 0, "Erase 0 contacts"},
		{"nl", "purge.button", 1, "1 contact wissen"},
		{"nl", "purge.button", 3, "3 contacten wissen"},
		{"en", "request.days", 1, "1 day left"},
		{"nl", "request.days", 1, "nog 1 dag"},
		{"en", "update.recipients", 1, "1 recipient."},
		{"nl", "cancel.intro", 1, "1 nog niet verzonden bericht vervalt. Dit kan niet ongedaan worden gemaakt."},
	} {
		if got := (&page{Lang: c.lang}).Tf(c.key, c.n); got != c.want {
			t.Errorf("%s %s %d: %q, want %q", c.lang, c.key, c.n, got, c.want)
		}
	}
	// Every counted noun in the catalogue names two forms.
	for _, m := range []map[string]string{en, nl} {
		for k, v := range m {
			if strings.Contains(v, "|") && !regexp.MustCompile(`%d[^{%]*\{[^{}|]+\|[^{}|]+\}`).MatchString(v) {
				t.Errorf("%s: %q has forms not after a count", k, v)
			}
		}
	}
}
