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
