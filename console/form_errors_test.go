package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestConsoleListAndContactFormsShowEveryError: a list or contact form
// wrong in several fields, some caught by the form (a missing value) and
// some only by the domain's rule (a slug's shape, a name's length, a list
// that is not there), shows every error at once, each next to its field
// and in the summary, as the campaign form does; on create and on edit,
// in English and in Dutch.
func TestConsoleListAndContactFormsShowEveryError(t *testing.T) {
	e := newAdminEnv(t)
	check := func(what, body string, fields ...string) {
		t.Helper()
		for _, field := range fields {
			if !strings.Contains(body, `id="`+field+`-error"`) || !strings.Contains(body, `<a href="#`+field+`">`) {
				t.Errorf("%s: the error of %s is not shown next to it and in the summary:\n%.5000s", what, field, body)
			}
		}
	}
	long := strings.Repeat("x", 5001)
	newList := url.Values{"slug": {"Not A Slug!"}, "name": {""}, "purpose": {""}, "optin": {"single"}, "description": {long}}
	body := wantStatus(t, "new list", e.post("/console/lists", newList), http.StatusUnprocessableEntity)
	check("new list", body, "slug", "name", "purpose", "description")
	if !strings.Contains(body, "is longer than 5000 characters") || !strings.Contains(body, "starting with a letter or digit") {
		t.Errorf("new list: the list's own rules are not told:\n%.5000s", body)
	}

	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	edit := "/console/lists/" + strconv.FormatInt(list, 10) + "/edit"
	check("edit list", wantStatus(t, "edit list", e.post(edit, url.Values{"name": {""}, "description": {long}}), http.StatusUnprocessableEntity),
		"name", "description")

	longName := strings.Repeat("n", 201)
	newContact := url.Values{"email": {""}, "name": {longName}, "fields": {"city Utrecht"}, "lists": {"999999"}}
	check("new contact", wantStatus(t, "new contact", e.post("/console/contacts", newContact), http.StatusUnprocessableEntity),
		"email", "name", "fields", "lists", "evidence")

	var contact int64
	if err := e.pool.QueryRow(t.Context(), `SELECT min(id) FROM contacts`).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	editContact := "/console/contacts/" + strconv.FormatInt(contact, 10) + "/edit"
	bad := url.Values{"name": {longName}, "fields": {"city Utrecht"}}
	check("edit contact", wantStatus(t, "edit contact", e.post(editContact, bad), http.StatusUnprocessableEntity), "name", "fields")

	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "edit contact in Dutch", e.post(editContact, bad), http.StatusUnprocessableEntity)
	check("edit contact in Dutch", body, "name", "fields")
	if !strings.Contains(body, "is langer dan 200 tekens") || !strings.Contains(body, "Zet elk veld op een eigen regel") {
		t.Errorf("edit contact in Dutch: the errors are not in Dutch:\n%.5000s", body)
	}
}
