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
// ("HTML body", in Dutch "HTML-inhoud"), not the bare name html.
func TestConsoleCampaignTemplateErrorNamesTheField(t *testing.T) {
	e := newAdminEnv(t)
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Invite"}, "subject": {"Hello"}, "from_email": {"news@example.org"},
		"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi {{.Contact.Nam}}</p>"}}
	body := wantStatus(t, "bad template", e.post("/console/campaigns", form), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `<a href="#html">HTML body html:1:`) {
		t.Errorf("the summary does not name the HTML body:\n%.3000s", body)
	}
	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "bad template in Dutch", e.post("/console/campaigns", form), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `<a href="#html">HTML-inhoud html:1:`) {
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

// TestConsoleBadIDIsBadInput: an id in the address that is no id, or a
// page limit that is no number, is bad input (422 naming it), not a
// failure of the server.
func TestConsoleBadIDIsBadInput(t *testing.T) {
	e := newAdminEnv(t)
	for path, want := range map[string]string{
		"/console/campaigns/abc":       "id: must be a positive integer id",
		"/console/campaigns/0":         "id: must be a positive integer id",
		"/console/contacts/0":          "id: must be a positive integer id",
		"/console/contacts?limit=many": "limit: must be an integer from 1 to 1000",
	} {
		body := wantStatus(t, path, e.get(path), http.StatusUnprocessableEntity)
		if !strings.Contains(body, want) {
			t.Errorf("%s does not say %q:\n%.2000s", path, want, body)
		}
	}
}
