package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

// bounceEnv is a console with three contacts, two campaigns and a bounce
// processor whose threshold makes a contact inactive at its second hard
// bounce; hard and soft bounces come in through the send worker's path
// (RecordSMTP: real classification, counting and inactivation).
type bounceEnv struct {
	*adminEnv
	proc *bounces.Processor
	bg   context.Context // system work
	d1   context.Context // department 1's scope, as the console uses
}

func newBounceEnv(t *testing.T) *bounceEnv {
	t.Helper()
	a := &adminEnv{benchEnv: newBenchEnv(t, 3, 2), t: t}
	a.st = a.h.Staff
	a.csrf = a.csrfOf(a.cookie)
	proc := bounces.NewProcessor(bounces.ProcessorOptions{DB: a.pool, Contacts: a.h.Contacts, Lists: benchLists{},
		Metrics: bounces.NewMetrics(prometheus.NewRegistry()), Log: testenv.Logger(t), Policy: bounces.Policy{HardThreshold: 1}})
	a.h.Bounces = proc
	return &bounceEnv{adminEnv: a, proc: proc, bg: context.Background(), d1: access.WithDepartment(context.Background(), access.DefaultDepartment)}
}

// refuse records a synchronous refusal of campaign's message to contact.
func (e *bounceEnv) refuse(campaign, contact int64, code int, enhanced, text string) {
	e.t.Helper()
	if err := e.proc.RecordSMTP(e.bg, campaign, contact, "RCPT", code, enhanced, text); err != nil {
		e.t.Fatal(err)
	}
}

// contact reads a contact's counters as the system sees them.
func (e *bounceEnv) contact(id int64) (status string, hard int, oneStar bool) {
	e.t.Helper()
	if err := e.pool.QueryRow(e.bg, `SELECT status, hard_bounces, one_star_since IS NOT NULL FROM contacts WHERE id = $1`, id).
		Scan(&status, &hard, &oneStar); err != nil {
		e.t.Fatal(err)
	}
	return
}

func (e *bounceEnv) count(q string, args ...any) (n int) {
	e.t.Helper()
	if err := e.pool.QueryRow(e.bg, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

var bounceLink = regexp.MustCompile(`<a href="/console/bounces/([0-9]+)">`)

// bounceIDs are the bounces a list page links to, in page order.
func bounceIDs(body string) []int64 {
	var out []int64
	for _, m := range bounceLink.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

const unknownUser = "5.1.1 <user1@example.org>: Recipient address rejected: User unknown in virtual mailbox table"

// TestConsoleBounces: the department's Bounces screen lists every bounce
// newest first with its contact and campaign linked, class and reason in
// words, the 30-day totals on top; filters by class, reason, campaign and
// dates (a bad one is a 422 naming it); pages by cursor; audits the read.
// A bounce's page shows the server's words and the classifier rule that
// decided it (the rule `postbode bounces classify` prints).
func TestConsoleBounces(t *testing.T) {
	e := newBounceEnv(t)
	e.refuse(1, 1, 550, "5.1.1", unknownUser)
	e.refuse(2, 1, 550, "5.1.1", unknownUser)
	e.refuse(1, 2, 552, "5.2.2", "5.2.2 <user2@example.org>: mailbox full")

	body := wantStatus(t, "bounces", e.get("/console/bounces"), http.StatusOK)
	ids := bounceIDs(body)
	if len(ids) != 3 || ids[0] < ids[1] || ids[1] < ids[2] {
		t.Fatalf("want 3 bounces newest first, got %v:\n%.4000s", ids, body)
	}
	for _, want := range []string{`<a href="/console/contacts/1">user1@example.org</a>`, `<a href="/console/contacts/2">user2@example.org</a>`,
		`<a href="/console/campaigns/2">Campaign 2</a>`, "hard (address does not work)", "soft (temporary or mailbox full)",
		"<dt>Hard bounces</dt><dd>2</dd>", "<dt>Soft bounces</dt><dd>1</dd>", `href="/console/bounces/unauthenticated"`, `href="/console/blocklist"`,
		`<a href="/console/bounces" aria-current="page">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the bounce list lacks %q:\n%.5000s", want, body)
		}
	}
	if !regexp.MustCompile(`">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC</a>`).MatchString(body) {
		t.Errorf("times do not name their zone:\n%.3000s", body)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'bulk-read' AND cause = 'bounces' AND count = 3`); n != 1 {
		t.Errorf("the read is audited %d times with its count, want 1", n)
	}

	for _, c := range []struct {
		query string
		want  int
	}{
		{"?class=soft", 1}, {"?class=hard", 2}, {"?reason=mailboxfull", 1}, {"?campaign=2", 1},
		{"?from=2000-01-01&until=2000-01-31", 0}, {"?class=hard&campaign=1", 1},
	} {
		if got := bounceIDs(wantStatus(t, c.query, e.get("/console/bounces"+c.query), http.StatusOK)); len(got) != c.want {
			t.Errorf("%s: %d bounces, want %d", c.query, len(got), c.want)
		}
	}
	for _, c := range []struct{ query, field, msg string }{
		{"?class=purple", "class", "must be one of hard, soft"},
		{"?campaign=x", "campaign", "must be a positive id"},
		{"?from=31-01-2026", "from", "must be a date written as year-month-day"},
		{"?from=2026-02-01&until=2026-01-01", "until", "must be later than from"},
	} {
		body := wantStatus(t, c.query, e.get("/console/bounces"+c.query), http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="`+c.field+`-error"`) || !strings.Contains(body, c.msg) {
			t.Errorf("%s: the error does not name %s with %q:\n%.3000s", c.query, c.field, c.msg, body)
		}
	}

	first := wantStatus(t, "page of two", e.get("/console/bounces?class=hard&limit=1"), http.StatusOK)
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first)
	if next == nil || !strings.Contains(next[1], "class=hard") {
		t.Fatalf("no next link keeping the filter:\n%.4000s", first)
	}
	second := bounceIDs(wantStatus(t, "next page", e.get(html.UnescapeString(next[1])+"&limit=1"), http.StatusOK))
	if got := bounceIDs(first); len(got) != 1 || len(second) != 1 || second[0] >= got[0] {
		t.Errorf("pages %v then %v: want one older bounce on the next page", got, second)
	}

	detail := wantStatus(t, "bounce", e.get(fmt.Sprintf("/console/bounces/%d", ids[2])), http.StatusOK)
	want := bounces.ClassifySMTPReply("RCPT", 550, "5.1.1", unknownUser)
	if want.Rule == "" {
		t.Fatal("the classifier names no rule")
	}
	for _, s := range []string{html.EscapeString(unknownUser), html.EscapeString(want.Rule), html.EscapeString(want.StatusRule),
		`<a href="/console/campaigns/1">Campaign 1</a>`, fmt.Sprintf(`href="/console/bounces/%d/dismiss"`, ids[2])} {
		if !strings.Contains(detail, s) {
			t.Errorf("the bounce page lacks %q:\n%.5000s", s, detail)
		}
	}
	wantStatus(t, "unknown bounce", e.get("/console/bounces/999999"), http.StatusNotFound)

	// The contact's page links each bounce to its page; the campaign's
	// results to the list filtered by it.
	if c := wantStatus(t, "contact", e.get("/console/contacts/1"), http.StatusOK); !strings.Contains(c, fmt.Sprintf(`<a href="/console/bounces/%d">`, ids[2])) {
		t.Errorf("the contact page does not link its bounce:\n%.5000s", c)
	}
	if c := wantStatus(t, "results", e.get("/console/campaigns/1/results"), http.StatusOK); !strings.Contains(c, `href="/console/bounces?campaign=1"`) {
		t.Errorf("the results do not link the campaign's bounces:\n%.5000s", c)
	}
}

// TestConsoleBounceDismiss: dismissing a counted hard bounce is a GET
// confirmation that changes nothing, then a POST (CSRF checked) that takes
// it out of what counts: the contact's count goes down, the contact made
// inactive by it becomes active and leaves one-star (so retention no
// longer erases it), the dismissal is audited, a second dismissal is a
// conflict, and a late report of the same message does not count it again.
// A person without contacts.write sees no button and is refused.
func TestConsoleBounceDismiss(t *testing.T) {
	e := newBounceEnv(t)
	e.refuse(1, 1, 550, "5.1.1", unknownUser)
	e.refuse(2, 1, 550, "5.1.1", unknownUser)
	if st, hard, one := e.contact(1); st != "inactive" || hard != 2 || !one {
		t.Fatalf("after two hard bounces: %s, %d, one-star %v; want inactive, 2, true", st, hard, one)
	}
	// One-star long enough ago that retention would erase the contact now.
	if _, err := e.pool.Exec(e.bg, `UPDATE contacts SET one_star_since = now() - interval '200 days' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	due := func() int64 {
		t.Helper()
		pv, err := e.h.Privacy.Preview(e.d1, "test")
		if err != nil {
			t.Fatal(err)
		}
		return pv.ByCause["inactive"]
	}
	if n := due(); n != 1 {
		t.Fatalf("retention would erase %d inactive contacts, want 1", n)
	}
	var id int64
	if err := e.pool.QueryRow(e.bg, `SELECT max(id) FROM bounces WHERE contact_id = 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/console/bounces/%d/dismiss", id)

	// A reader (privacy role: contacts.read, not contacts.write) sees the
	// bounce but no way to dismiss it, and is refused.
	_, reader := e.login("reader@example.org", access.DefaultDepartment, access.RolePrivacy)
	if b := wantStatus(t, "bounce as reader", e.send("GET", fmt.Sprintf("/console/bounces/%d", id), nil, reader), http.StatusOK); strings.Contains(b, path) {
		t.Errorf("the reader is offered the dismissal:\n%.4000s", b)
	}
	wantStatus(t, "confirm as reader", e.send("GET", path, nil, reader), http.StatusForbidden)
	wantStatus(t, "dismiss as reader", e.send("POST", path, url.Values{"csrf": {e.csrfOf(reader)}}, reader), http.StatusForbidden)

	confirm := wantStatus(t, "confirm", e.get(path), http.StatusOK)
	if !strings.Contains(confirm, `action="`+path+`"`) || !strings.Contains(confirm, `method="post"`) {
		t.Errorf("the confirmation has no form posting the dismissal:\n%.4000s", confirm)
	}
	if st, hard, _ := e.contact(1); st != "inactive" || hard != 2 {
		t.Fatalf("a GET changed the contact: %s, %d", st, hard)
	}
	wantStatus(t, "dismiss without CSRF", e.send("POST", path, url.Values{}, e.cookie), http.StatusForbidden)
	w := e.post(path, url.Values{})
	wantStatus(t, "dismiss", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != fmt.Sprintf("/console/bounces/%d", id) {
		t.Errorf("after dismissing: to %q", loc)
	}
	if st, hard, one := e.contact(1); st != "active" || hard != 1 || one {
		t.Errorf("after dismissing: %s, %d hard, one-star %v; want active, 1, false", st, hard, one)
	}
	if n := due(); n != 0 {
		t.Errorf("retention would still erase %d inactive contacts", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE id = $1 AND NOT counted AND dismissed_at IS NOT NULL AND dismissed_by LIKE 'person:%'`, id); n != 1 {
		t.Error("the bounce is not marked dismissed by the person")
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'bounce-dismiss' AND target_kind = 'contact' AND target_id = 1 AND person_id IS NOT NULL`); n != 1 {
		t.Errorf("%d audit entries of the dismissal, want 1", n)
	}
	if b := wantStatus(t, "dismissed bounce", e.get(fmt.Sprintf("/console/bounces/%d", id)), http.StatusOK); !strings.Contains(b, "Dismissed:") || strings.Contains(b, path) {
		t.Errorf("the page of a dismissed bounce:\n%.4000s", b)
	}
	wantStatus(t, "dismiss twice", e.post(path, url.Values{}), http.StatusConflict)
	wantStatus(t, "confirm twice", e.get(path), http.StatusConflict)

	// The same message reported again (a late DSN after the refusal)
	// keeps its place: it does not count again.
	e.refuse(2, 1, 550, "5.1.1", unknownUser)
	if st, hard, _ := e.contact(1); st != "active" || hard != 1 {
		t.Errorf("a late report of the dismissed message counted: %s, %d", st, hard)
	}
	// A bounce that never counted cannot be dismissed.
	e.refuse(1, 3, 550, "5.7.1", "5.7.1 Message rejected as spam by Content Filtering")
	var block int64
	if err := e.pool.QueryRow(e.bg, `SELECT id FROM bounces WHERE contact_id = 3`).Scan(&block); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "dismiss a block", e.post(fmt.Sprintf("/console/bounces/%d/dismiss", block), url.Values{}), http.StatusConflict)
}

// TestConsoleBouncesStayInTheirDepartment: another department's person
// neither lists, opens nor dismisses department 1's bounces, and sees its
// own, including one the shared bounce path filed under the default
// department, which it may dismiss.
func TestConsoleBouncesStayInTheirDepartment(t *testing.T) {
	e := newBounceEnv(t)
	e.refuse(1, 1, 550, "5.1.1", unknownUser)
	sales, err := e.st.SaveDepartment(e.bg, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	var theirs int64
	if err := e.pool.QueryRow(access.WithDepartment(e.bg, sales.ID), `INSERT INTO contacts (email, name, source, updated_source)
		VALUES ('sam@example.org', 'Sam', 'manual', 'manual') RETURNING id`).Scan(&theirs); err != nil {
		t.Fatal(err)
	}
	e.refuse(0, theirs, 550, "5.1.1", "5.1.1 <sam@example.org>: user unknown")
	var ours, salesBounce int64
	if err := e.pool.QueryRow(e.bg, `SELECT (SELECT id FROM bounces WHERE contact_id = 1), (SELECT id FROM bounces WHERE contact_id = $1)`, theirs).
		Scan(&ours, &salesBounce); err != nil {
		t.Fatal(err)
	}
	_, boss := e.login("boss@example.org", sales.ID, access.RoleAdmin)
	list := wantStatus(t, "sales bounces", e.send("GET", "/console/bounces", nil, boss), http.StatusOK)
	if got := bounceIDs(list); len(got) != 1 || got[0] != salesBounce || strings.Contains(list, "user1@example.org") {
		t.Errorf("sales lists %v, want only %d:\n%.4000s", got, salesBounce, list)
	}
	wantStatus(t, "open another department's bounce", e.send("GET", fmt.Sprintf("/console/bounces/%d", ours), nil, boss), http.StatusNotFound)
	csrf := e.csrfOf(boss)
	wantStatus(t, "dismiss another department's bounce", e.send("POST", fmt.Sprintf("/console/bounces/%d/dismiss", ours), url.Values{"csrf": {csrf}}, boss), http.StatusNotFound)
	if st, hard, _ := e.contact(1); hard != 1 {
		t.Errorf("department 1's contact changed from sales: %s, %d", st, hard)
	}
	if got := bounceIDs(wantStatus(t, "department 1 bounces", e.get("/console/bounces"), http.StatusOK)); len(got) != 1 || got[0] != ours {
		t.Errorf("department 1 lists %v, want only %d", got, ours)
	}
	wantStatus(t, "dismiss own", e.send("POST", fmt.Sprintf("/console/bounces/%d/dismiss", salesBounce), url.Values{"csrf": {csrf}}, boss), http.StatusSeeOther)
	if st, hard, _ := e.contact(theirs); st != "active" || hard != 0 {
		t.Errorf("sales' contact after dismissing: %s, %d", st, hard)
	}
}

// TestConsoleBounceEvidence: the reports kept without proof are listed,
// read-only, for contacts.read (what GET /api/v1/bounces/unauthenticated
// needs), audited, and only in the department that received them.
func TestConsoleBounceEvidence(t *testing.T) {
	e := newBounceEnv(t)
	if _, err := e.pool.Exec(e.d1, `INSERT INTO bounces (recipient, class, reason, status, diagnostic, source, outcome)
		VALUES ('victim@example.org', 'hard', 'userunknown', '5.1.1', 'forged: user unknown', 'dsn', 'unauthenticated')`); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, "evidence", e.get("/console/bounces/unauthenticated"), http.StatusOK)
	if !strings.Contains(body, "victim@example.org") || !strings.Contains(body, "forged: user unknown") || strings.Contains(body, "<form method=\"post\"") && strings.Contains(body, "dismiss") {
		t.Errorf("the evidence list:\n%.4000s", body)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'bulk-read' AND cause = 'unauthenticated bounces' AND count = 1`); n != 1 {
		t.Errorf("%d audited reads of the evidence, want 1", n)
	}
	if strings.Contains(wantStatus(t, "bounces", e.get("/console/bounces"), http.StatusOK), "victim@example.org") {
		t.Error("evidence shows among the applied bounces")
	}
	_, viewer := e.login("viewer@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "evidence as viewer", e.send("GET", "/console/bounces/unauthenticated", nil, viewer), http.StatusForbidden)
	if strings.Contains(wantStatus(t, "overview as viewer", e.send("GET", "/console/", nil, viewer), http.StatusOK), `href="/console/bounces"`) {
		t.Error("the viewer is offered the Bounces screen")
	}
	sales, err := e.st.SaveDepartment(e.bg, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	_, boss := e.login("boss@example.org", sales.ID, access.RoleAdmin)
	if strings.Contains(wantStatus(t, "sales evidence", e.send("GET", "/console/bounces/unauthenticated", nil, boss), http.StatusOK), "victim@example.org") {
		t.Error("another department sees department 1's evidence")
	}
}

// TestConsoleEvidenceOfAnotherDepartmentsContact: a report without proof
// naming a contact of another department (sales) is listed under Bounces >
// unproven reports to sales' staff, not to the default department's, whose
// staff still see the evidence naming nobody's address.
func TestConsoleEvidenceOfAnotherDepartmentsContact(t *testing.T) {
	e := newBounceEnv(t)
	sales, err := e.st.SaveDepartment(e.bg, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(access.WithDepartment(e.bg, sales.ID), `INSERT INTO contacts (email, name, source, updated_source)
		VALUES ('sam@example.org', 'Sam', 'manual', 'manual')`); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"sam@example.org", "stranger@example.org"} {
		raw := "From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)\r\nTo: postmaster@bounces.example.net\r\n" +
			"Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
			"This is the mail system at host mx.remote.test.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n" +
			"be delivered to one or more recipients.\r\n\r\n<" + addr + ">: host mx.example.org[192.0.2.1] said: 550 5.1.1 <" + addr +
			">:\r\n    Recipient address rejected: User unknown in local recipient table\r\n"
		if _, err := e.pool.Exec(e.bg, `INSERT INTO inbound_messages (mail_from, rcpts, raw, size) VALUES ('', $1, $2, $3)`,
			[]string{"postmaster@bounces.example.net"}, []byte(raw), len(raw)); err != nil {
			t.Fatal(err)
		}
		if ok, err := e.proc.ProcessOne(e.bg); err != nil || !ok {
			t.Fatalf("processing the report naming %s: %v %v", addr, ok, err)
		}
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE outcome = 'unauthenticated'`); n != 2 {
		t.Fatalf("%d evidence rows, want 2", n)
	}
	ours := wantStatus(t, "default department's evidence", e.get("/console/bounces/unauthenticated"), http.StatusOK)
	if strings.Contains(ours, "sam@example.org") || !strings.Contains(ours, "stranger@example.org") {
		t.Errorf("the default department's unproven reports:\n%.4000s", ours)
	}
	_, boss := e.login("boss@example.org", sales.ID, access.RoleAdmin)
	theirs := wantStatus(t, "sales evidence", e.send("GET", "/console/bounces/unauthenticated", nil, boss), http.StatusOK)
	if !strings.Contains(theirs, "sam@example.org") || strings.Contains(theirs, "stranger@example.org") {
		t.Errorf("sales' unproven reports:\n%.4000s", theirs)
	}
}
