package pages_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/optin/pages"
	"github.com/postbode/postbode/privacy"
)

// department adds a department with a house style and returns a context
// scoped to it.
func (e *env) department(slug, org string) (int64, context.Context) {
	e.t.Helper()
	var id int64
	if err := e.db.QueryRow(context.Background(), `INSERT INTO departments (slug, name, org_name) VALUES ($1, $1, $2) RETURNING id`,
		slug, org).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id, access.WithDepartment(context.Background(), id)
}

func (e *env) listIn(ctx context.Context, slug string) int64 {
	e.t.Helper()
	name, purpose, mode := "List "+slug, "News about "+slug, "single"
	l, err := e.store.CreateList(ctx, optin.ListInput{Slug: &slug, Name: &name, Purpose: &purpose, OptIn: &mode})
	if err != nil {
		e.t.Fatal(err)
	}
	return l.ID
}

// A list slug repeats across departments: the form under the department's
// path subscribes to that department's list, in its house style; the path
// without a department is the default department's.
func TestDepartmentSubscribeForm(t *testing.T) {
	e := newEnv(t, envOpt{})
	listA := e.list("news", "single")
	bee, beeCtx := e.department("bee", "Bee Foundation")
	listB := e.listIn(beeCtx, "news")

	r := e.get("/s/bee/news")
	if r.code != 200 || !strings.Contains(r.body, "Bee Foundation") || strings.Contains(r.body, "Stichting Test") {
		t.Fatalf("B's form: %d\n%s", r.code, r.body)
	}
	r = e.post("/s/bee/news", url.Values{"csrf": {csrf(t, r.body)}, "email": {"anna@example.org"}, "consent": {"yes"}})
	if r.code != 200 {
		t.Fatalf("subscribe through B: %d\n%s", r.code, r.body)
	}
	r = e.post("/s/news", url.Values{"csrf": {e.getForm("/s/news")}, "email": {"bob@example.org"}, "consent": {"yes"}})
	if r.code != 200 {
		t.Fatalf("subscribe through the default path: %d\n%s", r.code, r.body)
	}
	e.srv.Wait()
	var annaDept, annaList, bobDept, bobList int64
	if err := e.db.QueryRow(context.Background(), `SELECT c.department_id, s.list_id FROM contacts c
		JOIN subscriptions s ON s.contact_id = c.id WHERE c.email = 'anna@example.org'`).Scan(&annaDept, &annaList); err != nil {
		t.Fatal(err)
	}
	if annaDept != bee || annaList != listB {
		t.Fatalf("anna: department %d list %d, want %d and %d", annaDept, annaList, bee, listB)
	}
	if err := e.db.QueryRow(context.Background(), `SELECT c.department_id, s.list_id FROM contacts c
		JOIN subscriptions s ON s.contact_id = c.id WHERE c.email = 'bob@example.org'`).Scan(&bobDept, &bobList); err != nil {
		t.Fatal(err)
	}
	if bobDept != access.DefaultDepartment || bobList != listA {
		t.Fatalf("bob: department %d list %d, want 1 and %d", bobDept, bobList, listA)
	}
	ev := e.scalar(`SELECT evidence FROM consent_records r JOIN contacts c ON c.id = r.contact_id WHERE c.email = 'anna@example.org'`).(string)
	if !strings.Contains(ev, "Bee Foundation") {
		t.Errorf("consent evidence names %q, want B's organisation", ev)
	}
	// An unknown department, or a list only another department has, is the neutral page.
	e.listIn(beeCtx, "only-bee")
	for _, p := range []string{"/s/nope/news", "/s/only-bee", "/s/default/only-bee"} {
		if r := e.get(p); r.code != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.code)
		}
	}
	if r := e.get("/s/default/news"); r.code != 200 {
		t.Errorf("GET /s/default/news: %d", r.code)
	}
}

// privacyMailer sends verification mails to the loopback SMTP server.
type privacyMailer struct{ *smtpSender }

func (m privacyMailer) SendAttachments(ctx context.Context, to, subject, html, text string, _ []privacy.Attachment) error {
	return m.Send(ctx, to, subject, html, text)
}

// A data subject's erasure request through B's form covers B: the same
// address in the default department stays.
func TestDepartmentPrivacyRequestErasesOnlyThere(t *testing.T) {
	var svc *privacy.Service
	e := newEnv(t, envOpt{privacy: func(e *env) pages.PrivacyRequests {
		svc = privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Mailer: privacyMailer{&smtpSender{addr: e.smtp.addr}},
			Tokens: e.keys, BaseURL: "http://public.test"})
		return svc
	}})
	bee, beeCtx := e.department("bee", "Bee Foundation")
	inA := e.contact("zoe@example.net", "Zoë A", nil)
	cB, err := e.cs.Create(beeCtx, contacts.New{Email: "zoe@example.net", Name: "Zoë B", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}

	r := e.post("/privacy/bee", url.Values{"csrf": {e.getForm("/privacy/bee")}, "email": {"Zoe@example.net"}, "kind": {"erasure"}})
	if r.code != 200 {
		t.Fatalf("request through B's form: %d\n%s", r.code, r.body)
	}
	m := e.smtp.wait(t)
	link := regexp.MustCompile(`http://public\.test(/q/[A-Za-z0-9_\-.=]+)`).FindStringSubmatch(textPart(t, m))
	if link == nil {
		t.Fatalf("no verification link in:\n%s", textPart(t, m))
	}
	if r := e.post(link[1], url.Values{"csrf": {e.getForm(link[1])}}); r.code != 200 {
		t.Fatalf("verify: %d\n%s", r.code, r.body)
	}
	reqs, err := svc.ListRequests(context.Background(), "open", "", 0, 10)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests %+v %v", reqs, err)
	}
	if *reqs[0].ContactID != cB.ID {
		t.Fatalf("request for contact %d, want B's %d", *reqs[0].ContactID, cB.ID)
	}
	if d := e.scalar(`SELECT department_id FROM privacy_requests WHERE id = $1`, reqs[0].ID).(int64); d != bee {
		t.Fatalf("request in department %d, want %d", d, bee)
	}
	// Staff of B see it; staff of the default department do not.
	if got, _ := svc.ListRequests(access.WithDepartment(context.Background(), access.DefaultDepartment), "", "", 0, 10); len(got) != 0 {
		t.Fatalf("the default department sees %d requests", len(got))
	}
	if _, err := svc.Fulfil(context.Background(), reqs[0].ID, "auto"); err != nil {
		t.Fatal(err)
	}
	if n := e.scalar(`SELECT count(*) FROM contacts WHERE id = $1`, cB.ID).(int64); n != 0 {
		t.Fatal("B's contact is not erased")
	}
	if name := e.scalar(`SELECT name FROM contacts WHERE id = $1`, inA).(string); name != "Zoë A" {
		t.Fatalf("the default department's contact changed: %q", name)
	}
}
