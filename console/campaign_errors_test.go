package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestConsoleCampaignTemplateErrorNamesTheField: a campaign whose HTML body
// does not compile comes back with the summary naming the form's field
// ("HTML body", in Dutch "HTML-inhoud"), not the bare name html, and the
// mistake in the marketer's words: the line, the unknown field and the
// fields there are, not the template engine's Go types.
func TestConsoleCampaignTemplateErrorNamesTheField(t *testing.T) {
	e := newAdminEnv(t)
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Invite"}, "subject": {"Hello"}, "from_email": {"news@example.org"},
		"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi {{.Contact.Nam}}</p>"}}
	body := wantStatus(t, "bad template", e.post("/console/campaigns", form), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `<a href="#html">HTML body line 1, column 17: unknown field Nam; known: ID, Email, Name, Attributes`) {
		t.Errorf("the summary does not name the HTML body:\n%.3000s", body)
	}
	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "bad template in Dutch", e.post("/console/campaigns", form), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `<a href="#html">HTML-inhoud regel 1, kolom 17: onbekend veld Nam; bekend zijn: ID, Email, Name, Attributes`) {
		t.Errorf("the Dutch summary does not name the HTML body:\n%.3000s", body)
	}
}

// TestConsoleTestSendNamesTheWrongAddress: of several test addresses, the
// error names the one that is not an address.
func TestConsoleTestSendNamesTheWrongAddress(t *testing.T) {
	e := newAdminEnv(t)
	var id int64
	if err := e.pool.QueryRow(t.Context(), `SELECT min(id) FROM campaigns`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/console/campaigns/" + strconv.FormatInt(id, 10) + "/test"
	body := wantStatus(t, "test send", e.post(path, url.Values{"addresses": {"me@example.org, not-an-address"}}), http.StatusUnprocessableEntity)
	if !strings.Contains(body, "“not-an-address”: must be an address like name@example.org") {
		t.Errorf("the error does not name the wrong address:\n%.3000s", body)
	}
}

// TestConsoleBadIDIsBadInput: an id in the address that is no id, a page
// limit that is no number, or a status filter that is no campaign state is
// bad input (422 naming it), not a failure of the server nor a filter
// silently dropped.
func TestConsoleBadIDIsBadInput(t *testing.T) {
	e := newAdminEnv(t)
	for path, want := range map[string]string{
		"/console/campaigns/abc":         "id: must be a positive integer id",
		"/console/campaigns/0":           "id: must be a positive integer id",
		"/console/contacts/0":            "id: must be a positive integer id",
		"/console/contacts?limit=many":   "limit: must be an integer from 1 to 1000",
		"/console/campaigns?status=sent": "status: must be draft, scheduled, running, paused, cancelled or finished",
	} {
		body := wantStatus(t, path, e.get(path), http.StatusUnprocessableEntity)
		if !strings.Contains(body, want) {
			t.Errorf("%s does not say %q:\n%.2000s", path, want, body)
		}
	}
}

// TestConsoleCampaignFormShowsEveryError: a compose form wrong in several
// fields (no list, a template that does not compile, a malformed sender)
// shows every error at once, each next to its field and in the summary,
// not one per attempt; the edit form too.
func TestConsoleCampaignFormShowsEveryError(t *testing.T) {
	e := newAdminEnv(t)
	form := url.Values{"name": {"Invite"}, "subject": {"Hello"}, "from_email": {"not an address"},
		"html": {"<p>Hi {{.Contact.Nam}}</p>"}}
	check := func(what, body string) {
		t.Helper()
		for _, field := range []string{"lists", "html", "from_email"} {
			if !strings.Contains(body, `id="`+field+`-error"`) || !strings.Contains(body, `<a href="#`+field+`">`) {
				t.Errorf("%s: the error of %s is not shown next to it and in the summary:\n%.4000s", what, field, body)
			}
		}
		if !strings.Contains(body, "unknown field Nam") {
			t.Errorf("%s: the template error is not told:\n%.4000s", what, body)
		}
	}
	check("new", wantStatus(t, "new campaign", e.post("/console/campaigns", form), http.StatusUnprocessableEntity))
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	good := url.Values{"name": {"Invite"}, "subject": {"Hello"}, "from_email": {"news@example.org"},
		"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi</p>"}}
	w := e.post("/console/campaigns", good)
	wantStatus(t, "a good campaign", w, http.StatusSeeOther)
	id, err := strconv.ParseInt(strings.TrimPrefix(w.Header().Get("Location"), "/console/campaigns/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	check("edit", wantStatus(t, "edit campaign", e.post("/console/campaigns/"+strconv.FormatInt(id, 10)+"/edit", form), http.StatusUnprocessableEntity))
}

// TestConsoleTemplateErrorsInEveryPart: a campaign wrong in its subject,
// HTML body and text body shows all three mistakes at once, each next to
// its field and in the summary, in English and in Dutch, so the writer
// fixes them in one go.
func TestConsoleTemplateErrorsInEveryPart(t *testing.T) {
	e := newAdminEnv(t)
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Invite"}, "subject": {"Hi {{.Contact.Nam}}"}, "from_email": {"news@example.org"},
		"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>{{len .Links}}</p>"}, "text": {"Hi {{if .Contact.Name}}"}}
	check := func(lang string, want map[string]string) {
		t.Helper()
		body := wantStatus(t, "three broken parts ("+lang+")", e.post("/console/campaigns", form), http.StatusUnprocessableEntity)
		for field, msg := range want {
			if !strings.Contains(body, `id="`+field+`-error"`) || !strings.Contains(body, `<a href="#`+field+`">`) {
				t.Errorf("%s: the error of %s is not shown next to it and in the summary", lang, field)
			}
			if !strings.Contains(body, msg) {
				t.Errorf("%s: the error of %s does not say %q:\n%.4000s", lang, field, msg, body[strings.Index(body, "<main"):])
			}
		}
	}
	check("en", map[string]string{
		"subject": "line 1, column 14: unknown field Nam",
		"html":    "line 1, column 6: len cannot count .Links",
		"text":    "line 1, column 4: unclosed action",
	})
	e.post("/console/language", url.Values{"lang": {"nl"}})
	check("nl", map[string]string{
		"subject": "regel 1, kolom 14: onbekend veld Nam",
		"html":    "regel 1, kolom 6: len kan .Links niet tellen",
		"text":    "regel 1, kolom 4: niet afgesloten: een {{if}}",
	})
}

// TestConsoleCampaignLanguage: the compose form's language is kept with
// the campaign, offered again when editing, and the preview's footer is
// written in it (Dutch: "Afmelden", not "Unsubscribe").
func TestConsoleCampaignLanguage(t *testing.T) {
	e := newAdminEnv(t)
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	w := e.post("/console/campaigns", url.Values{"name": {"Maart"}, "subject": {"Hallo"}, "from_email": {"news@example.org"},
		"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Beste lezer</p>"}, "lang": {"nl"}})
	wantStatus(t, "a Dutch campaign", w, http.StatusSeeOther)
	base := w.Header().Get("Location")
	if body := wantStatus(t, "edit", e.get(base+"/edit"), http.StatusOK); !strings.Contains(body, `<option value="nl" lang="nl" selected>`) {
		t.Errorf("the edit form does not keep the language")
	}
	body := wantStatus(t, "preview", e.get(base+"/preview"), http.StatusOK)
	if !strings.Contains(body, "Afmelden") || strings.Contains(body, "Unsubscribe") {
		t.Errorf("the Dutch campaign's footer is not in Dutch:\n%.4000s", body[strings.Index(body, "<main"):])
	}
}
