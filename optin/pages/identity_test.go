package pages_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/optin/pages"
	"github.com/postbode/postbode/privacy"
)

// salesDept adds department "sales" with a full house style and a contact
// of its own, confirmed on its list "news" and sent one campaign.
func (e *env) salesDept() (contactID, listID, campaignID int64, ctx context.Context) {
	e.t.Helper()
	dept, ctx := e.department("sales", "Sales House")
	if _, err := e.db.Exec(context.Background(), `UPDATE departments SET primary_color = '#aa0000', logo_url = 'https://sales.example/logo.png' WHERE id = $1`, dept); err != nil {
		e.t.Fatal(err)
	}
	listID = e.listIn(ctx, "news")
	c, err := e.cs.Create(ctx, contacts.New{Email: "sam@example.org", Name: "Sam", Source: "api"})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.Subscribe(ctx, c.ID, []int64{listID}, optin.Consent{Source: "api"}, true); err != nil {
		e.t.Fatal(err)
	}
	campaignID = e.campaign("regular", "<p>Hello from sales</p>", []int64{listID}, c.ID)
	if _, err := e.db.Exec(context.Background(), `UPDATE campaigns SET department_id = $2 WHERE id = $1`, campaignID, dept); err != nil {
		e.t.Fatal(err)
	}
	return c.ID, listID, campaignID, ctx
}

// The pages behind the links in a department's mail show that
// department's name, logo and colour — not the installation's — whichever
// link was followed; the identity comes from the token's contact, not from
// anything in the request a visitor can change. A contact of the default
// department still sees the installation's, and so does a link whose
// contact is gone (the neutral page reveals nothing).
func TestPagesBehindMailLinksShowTheSendingDepartment(t *testing.T) {
	e := newEnv(t, envOpt{})
	sam, list, camp, _ := e.salesDept()
	links := map[string]string{
		"unsubscribe": e.mint(rtoken.Unsubscribe, sam, camp),
		"update":      e.mint(rtoken.Update, sam, camp),
		"update ok":   e.mint(rtoken.Update, sam, camp) + "?answer=ok",
		"privacy":     e.mint(rtoken.Privacy, sam, camp),
		"confirm":     e.mint(rtoken.Confirm, sam, list),
		"verify":      e.mint(rtoken.Verify, sam, 1),
	}
	for name, path := range links {
		r := e.get(path + map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "dept=default")
		if r.code != 200 || !strings.Contains(r.body, "Sales House") || strings.Contains(r.body, "Stichting Test") {
			t.Errorf("%s: %d, want Sales House and not the installation:\n%s", name, r.code, r.body)
			continue
		}
		if !strings.Contains(r.body, `src="https://sales.example/logo.png"`) || !strings.Contains(r.body, `href="/static/site.css?c=aa0000"`) {
			t.Errorf("%s: no Sales logo or colour:\n%s", name, r.body)
		}
	}
	if r := e.get("/static/site.css?c=aa0000"); r.code != 200 || !strings.Contains(r.body, "--primary:#aa0000") {
		t.Errorf("the department's stylesheet: %d %s", r.code, r.body)
	}
	if r := e.get("/static/site.css?c=aa0000%7Dbody%7Bdisplay:none"); r.code != 404 || strings.Contains(r.body, "display:none") {
		t.Errorf("a stylesheet for a colour that is none: %d", r.code)
	}

	// View in browser: the mail as Sales sent it.
	r := e.get(e.mint(rtoken.View, sam, camp))
	if r.code != 200 || !strings.Contains(r.body, "Sales House") || !strings.Contains(r.body, "#aa0000") || strings.Contains(r.body, "Stichting Test") {
		t.Errorf("view in browser: %d\n%s", r.code, r.body)
	}

	// A contact of the default department: the installation's identity.
	ann := e.contact("ann@example.org", "Ann", nil, e.list("default-news", "single"))
	if r := e.get(e.mint(rtoken.Unsubscribe, ann, 0)); r.code != 200 || !strings.Contains(r.body, "Stichting Test") ||
		strings.Contains(r.body, "Sales House") || !strings.Contains(r.body, `href="/static/site.css"`) {
		t.Errorf("default department's page: %d\n%s", r.code, r.body)
	}
	// Gone: neutral, and in the installation's identity.
	if _, err := e.db.Exec(context.Background(), `DELETE FROM contacts WHERE id = $1`, sam); err != nil {
		t.Fatal(err)
	}
	if r := e.get(links["unsubscribe"]); r.code != 404 || strings.Contains(r.body, "Sales House") || !strings.Contains(r.body, "Stichting Test") {
		t.Errorf("link of an erased contact: %d\n%s", r.code, r.body)
	}
}

// The re-permission mail of a department's list is signed with the
// department's organisation name and colour, in the text and the HTML.
func TestRepermissionMailUsesTheDepartmentsIdentity(t *testing.T) {
	e := newEnv(t, envOpt{})
	_, list, _, ctx := e.salesDept()
	months := 24
	if _, err := e.store.UpdateList(context.Background(), list, optin.ListInput{RepermissionMonths: &months}); err != nil {
		t.Fatal(err)
	}
	old, err := e.cs.Create(ctx, contacts.New{Email: "old@example.org", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`INSERT INTO subscriptions (contact_id, list_id, status, created_at, updated_at)
		VALUES ($1, $2, 'confirmed', now() - interval '25 months', now() - interval '25 months')`,
		`INSERT INTO consent_records (contact_id, list_id, action, source, created_at)
		VALUES ($1, $2, 'opt-in', 'api', now() - interval '25 months')`} {
		if _, err := e.db.Exec(context.Background(), q, old.ID, list); err != nil {
			t.Fatal(err)
		}
	}
	if asked, _ := e.repermit(); asked != 1 {
		t.Fatalf("asked %d, want 1", asked)
	}
	m := e.smtp.wait(t)
	text := textPart(t, m)
	if !strings.Contains(text, "from Sales House") || strings.Contains(text, "Stichting Test") {
		t.Fatalf("re-permission text:\n%s", text)
	}
	body := part(t, m, "text/html")
	if !strings.Contains(body, "#aa0000") || strings.Contains(body, "Stichting Test") {
		t.Fatalf("re-permission HTML lacks Sales' colour or names the installation:\n%s", body)
	}
}

// The privacy mails a department's recipient gets — the verification link
// of the form, the access export, the erasure confirmation — are signed
// with that department's organisation name, not the installation's.
func TestPrivacyMailsUseTheDepartmentsIdentity(t *testing.T) {
	var svc *privacy.Service
	e := newEnv(t, envOpt{privacy: func(e *env) pages.PrivacyRequests {
		svc = privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Mailer: privacyMailer{&smtpSender{addr: e.smtp.addr}},
			Tokens: e.keys, BaseURL: "http://public.test", OrgName: "Stichting Test", AutoAccess: true})
		return svc
	}})
	sam, _, camp, _ := e.salesDept()
	signed := func(what string) string {
		t.Helper()
		m := e.smtp.wait(t)
		text := textPart(t, m)
		if !strings.Contains(text, "Sales House") || strings.Contains(text, "Stichting Test") {
			t.Errorf("%s: not signed by Sales House:\n%s", what, text)
		}
		return text
	}

	// The form of the department: the verification mail.
	r := e.post("/privacy/sales", url.Values{"csrf": {e.getForm("/privacy/sales")}, "email": {"sam@example.org"}, "kind": {"access"}})
	if r.code != 200 {
		t.Fatalf("privacy form: %d", r.code)
	}
	signed("verification mail")

	// The privacy link of Sales' mail: the export, mailed at once.
	path := e.mint(rtoken.Privacy, sam, camp)
	if r := e.post(path, url.Values{"csrf": {e.getForm(path)}, "kind": {"access"}}); r.code != 200 {
		t.Fatalf("access request: %d %s", r.code, r.body)
	}
	signed("access export")

	// Erasure: the confirmation goes to the address the contact had.
	if r := e.post(path, url.Values{"csrf": {e.getForm(path)}, "kind": {"erasure"}}); r.code != 200 {
		t.Fatalf("erasure request: %d %s", r.code, r.body)
	}
	reqs, err := svc.ListRequests(context.Background(), "open", "erasure", 0, 10)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("open erasure requests %v %v", reqs, err)
	}
	if _, err := svc.Fulfil(context.Background(), reqs[0].ID, "auto"); err != nil {
		t.Fatal(err)
	}
	signed("erasure confirmation")
}

// A privacy request made through the link in a mail on the Dutch page is
// answered in Dutch, whatever the installation's default language.
func TestPrivacyLinkAnswersInThePageLanguage(t *testing.T) {
	e := newEnv(t, envOpt{privacy: func(e *env) pages.PrivacyRequests {
		return privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Mailer: privacyMailer{&smtpSender{addr: e.smtp.addr}},
			Tokens: e.keys, BaseURL: "http://public.test", DefaultLang: "en", AutoAccess: true})
	}})
	l := e.list("news", "single")
	c := e.contact("nora@example.org", "Nora", nil, l)
	path := e.mint(rtoken.Privacy, c, 0)
	if r := e.post(path+"?lang=nl", url.Values{"csrf": {e.getForm(path + "?lang=nl")}, "kind": {"access"}}); r.code != 200 {
		t.Fatalf("access request: %d %s", r.code, r.body)
	}
	m := e.smtp.wait(t)
	if s := m.Header.Get("Subject"); s != "Uw persoonsgegevens" {
		t.Fatalf("answer's subject %q, want the Dutch one", s)
	}
	if lang := e.scalar(`SELECT lang FROM privacy_requests WHERE contact_id = $1`, c).(string); lang != "nl" {
		t.Fatalf("request recorded in %q", lang)
	}
}
