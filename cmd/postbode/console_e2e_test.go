package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

const e2eKey = "e2e-secret-0123456789abcdef0123456789"

// staffFixture creates the persons of the console test directly in the
// daemon's database.
type staffFixture struct {
	t   *testing.T
	svc *staff.Service
	cs  *contacts.Store
}

// person creates an active person with a confirmed second factor and
// returns a function giving a fresh login code.
func (f *staffFixture) person(email string, dept int64, role string) func() string {
	f.t.Helper()
	ctx := context.Background()
	p, err := f.svc.CreateActive(ctx, staff.NewPerson{Email: email, Name: strings.Split(email, "@")[0],
		DepartmentID: dept, Role: role, Password: consolePassword})
	if err != nil {
		f.t.Fatalf("create %s: %v", email, err)
	}
	setup, err := f.svc.BeginTOTP(ctx, p.ID, consolePassword)
	if err != nil {
		f.t.Fatal(err)
	}
	// Confirm with the previous step's code, so the current one stays free
	// for the first login. When a step boundary passes between computing
	// and checking, that code is two steps old: take the new previous one.
	code, _ := staff.TOTPCode(setup.Secret, time.Now().Add(-30*time.Second))
	if err := f.svc.ConfirmTOTP(ctx, p.ID, consolePassword, code); err != nil {
		code, _ = staff.TOTPCode(setup.Secret, time.Now().Add(-30*time.Second))
		if err := f.svc.ConfirmTOTP(ctx, p.ID, consolePassword, code); err != nil {
			f.t.Fatalf("confirm totp: %v", err)
		}
	}
	used := map[string]bool{code: true}
	return func() string {
		for {
			c, _ := staff.TOTPCode(setup.Secret, time.Now())
			if !used[c] {
				used[c] = true
				return c
			}
			time.Sleep(time.Second)
		}
	}
}

const consolePassword = "a long and quiet harbour 42"

// The console in a real browser, every flow through its screens: log in
// with TOTP, import with a bad row, compose, preview, test send, start and
// watch a campaign finish, read its results; a contact's Privacy PDF and
// Forget; a reader without the privacy permissions sees no such buttons
// and gets 403 when posting anyway; department A cannot open B's contact.
// It takes the README's screenshots (POSTBODE_SCREENSHOTS=dir) and checks
// every screen with axe-core.
func TestConsoleBrowser(t *testing.T) {
	s := newSink(t)
	host, port, _ := strings.Cut(s.addr, ":")
	_, dbURL := testenv.DBWithURL(t)
	pub := freeAddr(t)
	d := startDaemon(t, "api,public,scheduler,sender", "POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_SMTP_MODE=relay",
		"POSTBODE_SMTP_RELAY_HOST="+host, "POSTBODE_SMTP_RELAY_PORT="+port, "POSTBODE_SMTP_RELAY_TLS=none",
		"POSTBODE_SENDING_BOUNCE_DOMAIN=bounce.example.org", "POSTBODE_PUBLIC_LISTEN="+pub, "POSTBODE_PUBLIC_BASE_URL=http://"+pub)
	pool, err := db.Open(context.Background(), dbURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	fx := &staffFixture{t: t, svc: staff.New(pool, e2eKey, staff.Options{}), cs: contacts.NewStore(pool, e2eKey, 3)}
	adminCode := fx.person("ada@example.org", access.DefaultDepartment, access.RoleAdmin)

	token := d.cli(t, "token", "create", "--role", "admin", "--name", "e2e")
	if code, body := d.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"monthly news","optin":"single"}`); code != 201 {
		t.Fatalf("create list: %d %s", code, body)
	}

	if code, body := d.request(t, token, "POST", "/api/v1/lists", `{"slug":"events","name":"Events","purpose":"event invitations","optin":"single"}`); code != 201 {
		t.Fatalf("create list: %d %s", code, body)
	}
	b := newChrome(t, "http://"+d.admin)
	b.shots = os.Getenv("POSTBODE_SCREENSHOTS")
	b.login("ada@example.org", consolePassword, adminCode())
	if h := b.text("h1"); h != "Overview" {
		t.Fatalf("after login: %q", h)
	}

	consoleImport(b)
	campID := consoleCampaign(b, s)
	b.open(fmt.Sprintf("/console/campaigns/%d/results", campID))
	b.check("campaign-results")
	b.open(fmt.Sprintf("/console/campaigns/%d/bounces", campID))
	b.check("campaign-bounces")
	b.open("/console/")
	b.check("overview")
	consoleUpdateMailing(b, s, pub)
	annID := consoleContact(b)
	consoleForget(b, annID)
	consoleEdit(b)
	consoleBulk(b)
	consoleScreens(b)
	consoleBounces(b, pool, fx, campID)
	consoleReader(b, fx)
	consoleDepartments(b, fx, adminCode)
	consoleRegisters(b)
}

// consoleRegisters walks the privacy officer's registers: records a data
// breach (its page shows the 72-hour clock), places a legal hold on a
// contact (whose Forget is then refused), uploads a processor agreement,
// hides an attribute and reads how many contacts hold one before deleting
// it, and reads the erasure log.
func consoleRegisters(b *chrome) {
	b.t.Helper()
	b.open("/console/privacy/breaches/new")
	b.do("breach form", chromedp.SetValue(chromedp.ID("nature"), "An export of the newsletter list was mailed to a wrong address."),
		chromedp.SetValue(chromedp.ID("categories"), "email addresses, names"), chromedp.SetValue(chromedp.ID("people_approx"), "1200"))
	b.submit(`form[action="/console/privacy/breaches"]`)
	if f := b.text(".flash"); f != "The breach is recorded." {
		b.t.Errorf("breach flash %q", f)
	}
	if got := b.text("main dl"); !strings.Contains(got, "since discovery") || !strings.Contains(got, "left") || !strings.Contains(got, "UTC") {
		b.t.Errorf("the breach's clock: %q", got)
	}
	b.check("privacy-breach")
	b.open("/console/privacy/breaches")
	b.check("privacy-breaches")

	b.open("/console/contacts?q=cyd")
	b.do("open contact", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS(`a[href*="/console/privacy/holds?contact="]`)))
	path := eval[string](b, `location.pathname`)
	b.do("place hold", chromedp.Click(chromedp.CSS(`a[href*="/console/privacy/holds?contact="]`)), chromedp.WaitVisible(chromedp.ID("reason")),
		chromedp.SetValue(chromedp.ID("reason"), "Tax records of this donor: 7 years"), chromedp.SetValue(chromedp.ID("until"), time.Now().AddDate(7, 0, 0).Format("2006-01-02")))
	b.submit(`form[action="/console/privacy/holds"]`)
	if f := b.text(".flash"); f != "The legal hold is placed." {
		b.t.Errorf("hold flash %q", f)
	}
	b.check("privacy-holds")
	csrf := eval[string](b, `document.querySelector('input[name="csrf"]').value`)
	if st := b.fetchStatus("POST", path+"/forget", map[string]string{"csrf": csrf, "ground": "request", "confirm": "1"}); st != 409 {
		b.t.Errorf("forgetting a held contact: %d, want 409", st)
	}

	pdf := filepath.Join(b.t.TempDir(), "dpa-relay.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.4\n% signed processor agreement\n%%EOF\n"), 0o644)
	b.open("/console/privacy/agreements")
	b.do("agreement form", chromedp.SetValue(chromedp.ID("processor"), "Relay B.V."), chromedp.SetValue(chromedp.ID("signed_on"), "2026-01-15"),
		chromedp.SetUploadFiles(chromedp.ID("document"), []string{pdf}))
	b.submit(`form[action="/console/privacy/agreements"]`)
	if got := b.text("main table tbody"); !strings.Contains(got, "Relay B.V.") || !strings.Contains(got, "dpa-relay.pdf") {
		b.t.Errorf("the agreement is not listed: %q", got)
	}
	b.check("privacy-agreements")

	b.open("/console/privacy/attributes")
	b.do("hide", chromedp.SetValue(chromedp.ID("key"), "city"), chromedp.SetValue(chromedp.ID("reason"), "not needed for the newsletter"))
	b.submit(`form[action="/console/privacy/attributes/hide"]`)
	if got := b.text("main table tbody"); !strings.Contains(got, "city") {
		b.t.Errorf("the hidden attribute is not listed: %q", got)
	}
	b.check("privacy-attributes")
	b.do("delete", chromedp.SetValue(chromedp.ID("delete_key"), "city"))
	b.submit(`form[action="/console/privacy/attributes/delete"]`)
	if got := b.text("main .big"); !strings.Contains(got, "hold this attribute") && !strings.Contains(got, "holds this attribute") {
		b.t.Errorf("the deletion's count: %q", got)
	}
	b.audit("attribute-delete")

	b.open("/console/privacy/erasures")
	if got := b.text("main table tbody"); !strings.Contains(got, "request/request") {
		b.t.Errorf("the erasure log: %q", got)
	}
	b.check("privacy-erasures")
}

// consoleImport uploads a CSV with one bad row and reads the row errors.
func consoleImport(b *chrome) {
	csv := filepath.Join(b.t.TempDir(), "contacts.csv")
	os.WriteFile(csv, []byte("email,name,city\nann@example.org,Ann,Delft\nbob@example.org,Bob,Gouda\nnot-an-address,Bad,Ede\ncyd@example.org,Cyd,Zeist\n"), 0o644)
	b.open("/console/imports/new")
	b.do("import form", chromedp.SetValue(chromedp.ID("purpose"), "monthly news"),
		chromedp.Click(chromedp.CSS(`input[name="lists"]`)), chromedp.Click(chromedp.ID("confirmed")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{csv}))
	b.check("import-new")
	b.submit(`form[action^="/console/imports"]`)
	path := eval[string](b, `location.pathname`)
	b.waitText(path, "main", "Done", 30*time.Second)
	if got := b.text("main dl"); !strings.Contains(got, "3") {
		b.t.Errorf("counts: %q", got)
	}
	if row := b.text("main table tbody"); !strings.Contains(row, "4") || !strings.Contains(row, "email") {
		b.t.Errorf("row errors: %q", row)
	}
	b.check("import")
}

// consoleCampaign composes, previews, test-sends and starts a campaign and
// waits for it to finish.
func consoleCampaign(b *chrome, s *sink) int64 {
	b.t.Helper()
	b.open("/console/campaigns/new")
	b.do("compose", chromedp.SetValue(chromedp.ID("name"), "December news"),
		chromedp.SetValue(chromedp.ID("subject"), "News for {{.Contact.Name}}"),
		chromedp.SetValue(chromedp.ID("from_name"), "Example"), chromedp.SetValue(chromedp.ID("from_email"), "news@example.org"),
		chromedp.Click(chromedp.CSS(`input[name="lists"]`)),
		chromedp.SetValue(chromedp.ID("html"), `<p>Hello {{.Contact.Name}} from {{.Contact.Attributes.city}}</p>`))
	b.check("campaign-new")
	b.submit(`form[action="/console/campaigns"]`)
	var id int64
	fmt.Sscanf(eval[string](b, `location.pathname`), "/console/campaigns/%d", &id)
	if id == 0 {
		b.t.Fatalf("no campaign page after compose: %s", b.text("main"))
	}
	b.open(fmt.Sprintf("/console/campaigns/%d/preview?contact=ann@example.org", id))
	if subj := b.text("main h2 + p"); subj != "News for Ann" {
		b.t.Errorf("preview subject %q", subj)
	}
	b.check("campaign-preview")
	b.open(fmt.Sprintf("/console/campaigns/%d", id))
	b.do("test address", chromedp.SetValue(chromedp.ID("addresses"), "proof@example.org"))
	b.submit(`form[action$="/test"]`)
	if res := b.text("main table tbody"); !strings.Contains(res, "sent") {
		b.t.Errorf("test send: %q", res)
	}
	if len(s.message("proof@example.org")) == 0 {
		b.t.Error("the test message did not reach the relay")
	}
	b.check("campaign")
	b.submit(`form[action$="/start"]`)
	b.waitText(fmt.Sprintf("/console/campaigns/%d", id), "#status-box", "Finished", 60*time.Second)
	if got := b.text("#status-box"); !strings.Contains(got, "100%") || !strings.Contains(got, "3 / 3") {
		b.t.Errorf("progress: %q", got)
	}
	return id
}

// consoleContact searches a contact, opens it and downloads its Privacy PDF.
func consoleContact(b *chrome) int64 {
	b.t.Helper()
	b.open("/console/contacts?q=an")
	b.check("contacts")
	b.do("open contact", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/export/pdf"]`)))
	var id int64
	fmt.Sscanf(eval[string](b, `location.pathname`), "/console/contacts/%d", &id)
	b.check("contact")
	magic := eval[string](b, fmt.Sprintf(`fetch("/console/contacts/%d/export/pdf").then(r => r.arrayBuffer()).then(a => String.fromCharCode(...new Uint8Array(a.slice(0, 5))))`, id))
	if magic != "%PDF-" {
		b.t.Errorf("privacy PDF starts with %q", magic)
	}
	return id
}

// consoleBulk ticks a contact in the search, chooses Put on the blocklist,
// reads the confirmation and confirms; the result says what was done.
func consoleBulk(b *chrome) {
	b.t.Helper()
	b.open("/console/contacts?q=cyd")
	b.do("select and choose", chromedp.Click(chromedp.CSS(`input[form="bulk"][name="id"]`)),
		chromedp.SetValue(chromedp.ID("bulk-action"), "block"), chromedp.SetValue(chromedp.ID("bulk-reason"), "request"))
	b.submit(`form#bulk`)
	if got := b.text("main"); !strings.Contains(got, "1 address will be put on the blocklist") || !strings.Contains(got, "cyd@example.org") {
		b.t.Errorf("bulk confirmation: %q", got)
	}
	b.check("contacts-bulk")
	b.submit(`form[action="/console/contacts/bulk"]`)
	if got := b.text(".flash"); got != "1 address put on the blocklist." {
		b.t.Errorf("bulk result %q", got)
	}
	b.check("contacts-bulk-done")
	b.open("/console/contacts?q=cyd")
	if got := b.text("main table tbody"); !strings.Contains(got, "Blocklisted") {
		b.t.Errorf("after the bulk blocklisting: %q", got)
	}
}

// consoleForget erases the contact after the confirmation page.
func consoleForget(b *chrome, id int64) {
	b.t.Helper()
	b.open(fmt.Sprintf("/console/contacts/%d/forget", id))
	b.do("forget form", chromedp.SetValue(chromedp.ID("ground"), "request"), chromedp.Click(chromedp.ID("confirm")))
	b.check("contact-forget")
	b.submit(`form[action$="/forget"]`)
	if f := b.text(".flash"); !strings.Contains(f, "forgotten") {
		b.t.Errorf("flash %q", f)
	}
	if st := b.fetchStatus("GET", fmt.Sprintf("/console/contacts/%d", id), nil); st != 404 {
		b.t.Errorf("forgotten contact: %d", st)
	}
}

// consoleReader: a role that may read contacts but not export or erase sees
// neither button and gets 403 when it posts the erasure anyway.
func consoleReader(b *chrome, fx *staffFixture) {
	b.t.Helper()
	if _, err := fx.svc.SaveRole(context.Background(), "reader", "reads contacts", []access.Permission{access.ContactsRead, access.CampaignsRead}); err != nil {
		b.t.Fatal(err)
	}
	code := fx.person("rea@example.org", access.DefaultDepartment, "reader")
	b.logout()
	b.login("rea@example.org", consolePassword, code())
	b.open("/console/contacts?q=cyd")
	b.do("open contact", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS(`main h2`)))
	path := eval[string](b, `location.pathname`)
	if b.has(`a[href$="/forget"]`) || b.has(`a[href$="/export/pdf"]`) || b.has(`a[href$="/export/json"]`) {
		b.t.Error("the reader sees Forget or Privacy")
	}
	csrf := eval[string](b, `document.querySelector('input[name="csrf"]').value`)
	if st := b.fetchStatus("POST", path+"/forget", map[string]string{"csrf": csrf, "ground": "request", "confirm": "1"}); st != 403 {
		b.t.Errorf("reader posting forget: %d, want 403", st)
	}
	if st := b.fetchStatus("GET", path+"/export/pdf", nil); st != 403 {
		b.t.Errorf("reader export: %d, want 403", st)
	}
	b.logout()
}

// consoleDepartments: a contact of department B is not found from A.
func consoleDepartments(b *chrome, fx *staffFixture, adminCode func() string) {
	b.t.Helper()
	ctx := context.Background()
	dept, err := fx.svc.SaveDepartment(ctx, staff.Department{Slug: "b", Name: "Department B"})
	if err != nil {
		b.t.Fatal(err)
	}
	c, err := fx.cs.Create(access.WithDepartment(ctx, dept.ID), contacts.New{Email: "bea@example.org", Name: "Bea", Source: "manual"})
	if err != nil {
		b.t.Fatal(err)
	}
	b.login("ada@example.org", consolePassword, adminCode())
	if st := b.fetchStatus("GET", fmt.Sprintf("/console/contacts/%d", c.ID), nil); st != 404 {
		b.t.Errorf("department A opening B's contact: %d, want 404", st)
	}
}

// consoleUpdateMailing sends an update mailing from the three-button
// template, answers "Take me off your list" on the recipient page, creates
// a reminder, and purges the asker after the count preview.
func consoleUpdateMailing(b *chrome, s *sink, pub string) {
	b.t.Helper()
	b.open("/console/campaigns/new?kind=update")
	b.do("compose update", chromedp.SetValue(chromedp.ID("from_email"), "news@example.org"),
		chromedp.Click(chromedp.CSS(`input[name="lists"]`)))
	b.submit(`form[action="/console/campaigns"]`)
	var id int64
	fmt.Sscanf(eval[string](b, `location.pathname`), "/console/campaigns/%d", &id)
	if id == 0 {
		b.t.Fatalf("no update mailing page: %s", b.text("main"))
	}
	before := len(s.message("bob@example.org"))
	b.submit(`form[action$="/start"]`)
	b.waitText(fmt.Sprintf("/console/campaigns/%d", id), "#status-box", "Finished", 60*time.Second)
	raw := s.message("bob@example.org")
	if len(raw) == before {
		b.t.Fatal("the update mailing did not reach bob")
	}
	remove := regexp.MustCompile(`http://` + regexp.QuoteMeta(pub) + `/p/[A-Za-z0-9_.-]+\?answer=remove`).FindString(mailText(b.t, raw))
	if remove == "" {
		b.t.Fatalf("no remove link in:\n%s", mailText(b.t, raw))
	}
	b.do("recipient page", chromedp.Navigate(remove), chromedp.WaitVisible(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)), chromedp.WaitNotPresent(chromedp.CSS("form")))
	b.open(fmt.Sprintf("/console/campaigns/%d/answers", id))
	if got := b.text("main table tbody"); !strings.Contains(got, "Take me off your list\t1") {
		b.t.Errorf("answers: %q", got)
	}
	b.check("update-answers")
	b.submit(`form[action$="/reminder"]`)
	if f := b.text(".flash"); !strings.Contains(f, "reminder") {
		b.t.Errorf("reminder: %q", f)
	}
	b.open(fmt.Sprintf("/console/campaigns/%d/answers", id))
	b.submit(`form[action$="/purge"]`)
	if n := b.text("main .big"); !strings.HasPrefix(n, "1 contact will be erased") {
		b.t.Errorf("purge preview: %q", n)
	}
	b.check("update-purge")
	b.submit(`form[action$="/purge"]`)
	// The job's status (the box also has a "Done" count label, shown while running).
	b.waitText(eval[string](b, `location.pathname`), "#job-box strong", "Done", 30*time.Second)
	if st := b.fetchStatus("GET", "/console/contacts?q=bob", nil); st != 200 {
		b.t.Errorf("search: %d", st)
	}
	if eval[bool](b, `fetch("/console/contacts?q=bob").then(r => r.text()).then(t => t.includes("bob@example.org"))`) {
		b.t.Error("bob is still there after the purge")
	}
}

// consoleScreens visits the remaining screens (checked with axe-core,
// screenshots taken) and switches the person's language to Dutch and back.
func consoleScreens(b *chrome) {
	b.t.Helper()
	for _, sc := range []struct{ path, name, h1 string }{
		{"/console/lists", "lists", "Lists"},
		{"/console/imports", "imports", "Imports"},
		{"/console/campaigns", "campaigns", "Campaigns"},
		{"/console/jobs", "jobs", "Jobs"},
		{"/console/changes", "changes", "Change requests"},
		{"/console/privacy", "privacy", "Requests"},
		{"/console/privacy/retention", "privacy-retention", "Retention"},
		{"/console/privacy/reports", "privacy-reports", "Reports"},
		{"/console/privacy/audit", "privacy-audit", "Audit log"},
		{"/console/privacy/register", "privacy-register", "Register of processing"},
		{"/console/admin", "admin", "Admin"},
	} {
		b.open(sc.path)
		if h := b.text("h1"); h != sc.h1 {
			b.t.Errorf("%s: h1 %q, want %q", sc.path, h, sc.h1)
		}
		b.check(sc.name)
	}
	if csp := eval[string](b, `fetch("/console/").then(r => r.headers.get("content-security-policy"))`); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline'; img") {
		b.t.Errorf("content security policy %q", csp)
	}
	if html := eval[string](b, `fetch("/console/?part=flight").then(r => r.text())`); !strings.Contains(html, "Campaigns in flight") || strings.Contains(html, "Open privacy requests") {
		b.t.Errorf("the overview's polled part: %.300q", html)
	}
	if st := b.fetchStatus("POST", "/console/language", map[string]string{"lang": "nl"}); st != 403 {
		b.t.Errorf("a POST without the CSRF token: %d, want 403", st)
	}
	b.open("/console/privacy/audit?action=campaign-change")
	if a := b.text("main table tbody"); !strings.Contains(a, "POST /console/campaigns/{id}/start") || !strings.Contains(a, "person:") {
		b.t.Errorf("the campaign start is not in the audit log: %q", a)
	}
	b.open("/console/privacy/audit?action=erase")
	if a := b.text("main table tbody"); !strings.Contains(a, "request/request") {
		b.t.Errorf("the erasure's ground is not in the audit log: %q", a)
	}
	// On a phone: the contact list reflows and stays accessible.
	b.do("phone", chromedp.EmulateViewport(390, 844))
	b.open("/console/contacts")
	b.check("phone-contacts")
	b.do("desktop", chromedp.EmulateViewport(1280, 800))
	b.open("/console/")
	b.do("dutch", chromedp.SetValue(chromedp.ID("lang"), "nl"))
	b.submit(`form[action="/console/language"]`)
	if h := b.text("h1"); h != "Overzicht" {
		b.t.Errorf("after switching to Dutch: %q", h)
	}
	b.do("english", chromedp.SetValue(chromedp.ID("lang"), "en"))
	b.submit(`form[action="/console/language"]`)
}

// consoleEdit changes a contact's name and fields and subscribes it to a
// list with the consent staff record; without the evidence the form comes
// back with 422 and the field named.
func consoleEdit(b *chrome) {
	b.t.Helper()
	b.open("/console/contacts?q=cyd")
	b.do("open contact", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)))
	path := eval[string](b, `location.pathname`)
	b.open(path + "/edit")
	b.do("edit", chromedp.SetValue(chromedp.ID("name"), "Cyd Janssen"), chromedp.SetValue(chromedp.ID("fields"), "city: Utrecht"))
	b.submit(`form[action$="/edit"]`)
	if got := b.text("dl.fields"); !strings.Contains(got, "Cyd Janssen") || !strings.Contains(got, "Utrecht") {
		b.t.Errorf("after edit: %q", got)
	}
	b.open(path + "/edit")
	b.do("subscribe without evidence", chromedp.SetValue(chromedp.ID("list"), eval[string](b, `[...document.querySelectorAll("#list option")].find(o => o.text === "Events").value`)))
	b.check("contact-edit")
	b.submit(`form[action$="/subscribe"]`)
	if e := b.text(".errors"); !strings.Contains(e, "consent") {
		b.t.Errorf("subscribe without evidence: %q", e)
	}
	if st := eval[bool](b, `document.querySelector("#evidence").getAttribute("aria-invalid") === "true"`); !st {
		b.t.Error("the evidence field is not marked invalid")
	}
	b.do("evidence", chromedp.SetValue(chromedp.ID("evidence"), "asked by phone on 1 December"))
	b.submit(`form[action$="/subscribe"]`)
	if got := b.text("main"); !strings.Contains(got, "events") || !strings.Contains(got, "asked by phone on 1 December") {
		b.t.Errorf("subscription and consent not shown: %.500q", got)
	}
}
