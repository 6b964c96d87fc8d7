package optin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

// sqlFollowUps creates follow-up campaigns the way the campaigns package
// does: a draft copy of the parent with parent_id and an audience.
type sqlFollowUps struct{ db *db.Pool }

func (s sqlFollowUps) CreateFollowUp(ctx context.Context, parentID int64, name, subject string, ids []int64) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO campaigns (name, kind, subject, html, text_body, from_name, from_email, list_ids, has_audience, parent_id)
		SELECT $2, kind, $3, html, text_body, from_name, from_email, list_ids, true, id FROM campaigns WHERE id = $1 RETURNING id`,
		parentID, name, subject).Scan(&id)
	if err != nil {
		return 0, err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO campaign_audience (campaign_id, contact_id) SELECT $1, unnest($2::bigint[])`, id, ids)
	return id, err
}

type fuEnv struct {
	t      *testing.T
	db     *db.Pool
	cs     *contacts.Store
	store  *optin.Store
	rcp    *optin.Recipients
	rt     *httpapi.Router
	url    string
	tokens map[string]string
	ids    map[string]int64
	camp   int64
}

// newFuEnv seeds an update mailing to five contacts: ok answered "all
// correct", changed edited their name, remove asked to be taken off, quiet
// opened without answering, unopened did neither.
func newFuEnv(t *testing.T) *fuEnv {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	e := &fuEnv{t: t, db: db, cs: contacts.NewStore(db, strings.Repeat("k", 32), 2), store: optin.NewStore(db),
		tokens: map[string]string{}, ids: map[string]int64{}}
	e.rcp = optin.NewRecipients(db, e.cs, nil, optin.RecipientOptions{ApproveChanges: true})
	slug, name, purpose, mode := "news", "News", "News", "single"
	l, err := e.store.CreateList(ctx, optin.ListInput{Slug: &slug, Name: &name, Purpose: &purpose, OptIn: &mode})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `INSERT INTO campaigns (name, kind, status, subject, html, from_email, list_ids, started_at)
		VALUES ('Check 2026', 'update', 'finished', 'Are your details right?', '<p>x</p>', 'news@example.org', $1,
		now() - interval '2 hours') RETURNING id`,
		[]int64{l.ID}).Scan(&e.camp); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ok", "changed", "remove", "quiet", "unopened"} {
		c, err := e.cs.Create(ctx, contacts.New{Email: n + "@example.org", Name: n, Source: "api"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Subscribe(ctx, c.ID, []int64{l.ID}, optin.Consent{Source: "api"}, true); err != nil {
			t.Fatal(err)
		}
		e.ids[n] = c.ID
		opened := any(time.Now())
		if n == "unopened" {
			opened = nil
		}
		if _, err := db.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id, status, done_at, opened_at) VALUES ($1, $2, 'sent', now(), $3)`,
			e.camp, c.ID, opened); err != nil {
			t.Fatal(err)
		}
	}
	who := optin.Who{IP: netip.MustParseAddr("192.0.2.1"), UserAgent: "test"}
	if err := e.rcp.AnswerOK(ctx, e.ids["ok"], e.camp, who); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rcp.SaveDetails(ctx, e.ids["changed"], e.camp, optin.Details{Name: "Changed Name"}, who); err != nil {
		t.Fatal(err)
	}
	if err := e.rcp.AnswerRemove(ctx, e.ids["remove"], e.camp, who); err != nil {
		t.Fatal(err)
	}

	ts := apitoken.NewStore(db)
	mux := http.NewServeMux()
	e.rt = httpapi.NewRouter(mux, nil, ts, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	js := jobs.NewStore(db)
	eraser := privacy.New(privacy.Options{DB: db, Contacts: e.cs})
	bg, cancel := context.WithCancel(context.Background())
	mod := optin.NewFollowUpAPI(bg, optin.NewFollowUps(db, sqlFollowUps{db}, eraser, js, nil), e.store)
	lists := optin.NewAPI(bg, &optin.API{Store: e.store, Contacts: e.cs, Jobs: js})
	httpapi.Mount(e.rt, lists, mod)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.Close(); mod.Wait(); cancel(); lists.Wait() })
	e.url = hs.URL
	for _, role := range apitoken.Roles {
		_, secret, err := ts.Create(ctx, role+" test", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

func (e *fuEnv) do(role, method, path string, body any, out any) int {
	e.t.Helper()
	code, raw := call(e.t, e.url, e.tokens[role], method, path, body)
	if out != nil && code < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return code
}

func (e *fuEnv) path(suffix string) string {
	return "/api/v1/update-mailings/" + itoa(e.camp) + suffix
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func (e *fuEnv) waitJob(id int64) jobs.Job {
	e.t.Helper()
	for i := 0; i < 200; i++ {
		var j jobs.Job
		if code := e.do("admin", "GET", "/api/v1/jobs/"+itoa(id), nil, &j); code != 200 {
			e.t.Fatalf("job: %d", code)
		}
		if j.Status != "running" {
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatal("job did not finish")
	return jobs.Job{}
}

func TestFollowUpOpenAPI(t *testing.T) {
	t.Parallel()
	e := newFuEnv(t)
	var routes []httpapi.Route
	for _, r := range e.rt.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/update-mailings/") || strings.HasPrefix(r.Path, "/api/v1/change-requests") {
			routes = append(routes, r)
		}
	}
	mod := optin.NewFollowUpAPI(context.Background(), nil, nil)
	diff, err := httpapi.DiffOpenAPI(mod.OpenAPI(), routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	if _, err := httpapi.OpenAPI(mod); err != nil {
		t.Errorf("merging the fragment: %v", err)
	}
}

func TestFollowUpReminderReportPurge(t *testing.T) {
	t.Parallel()
	e := newFuEnv(t)
	ctx := context.Background()

	// Roles: viewers read nothing, marketers cannot purge.
	if code := e.do("viewer", "GET", e.path("/report"), nil, nil); code != 403 {
		t.Fatalf("viewer report: %d", code)
	}
	if code := e.do("marketer", "POST", e.path("/purge"), map[string]any{}, nil); code != 403 {
		t.Fatalf("marketer purge: %d", code)
	}

	// Reminders.
	var rem optin.Reminder
	if code := e.do("marketer", "POST", e.path("/reminders"), map[string]any{"criterion": "not_opened"}, &rem); code != 201 || rem.Recipients != 1 {
		t.Fatalf("not_opened reminder: %d %+v", code, rem)
	}
	var parent any
	var audience []int64
	e.db.QueryRow(ctx, `SELECT parent_id, array_agg(a.contact_id) FROM campaigns c JOIN campaign_audience a ON a.campaign_id = c.id
		WHERE c.id = $1 GROUP BY parent_id`, rem.CampaignID).Scan(&parent, &audience)
	if parent != e.camp || len(audience) != 1 || audience[0] != e.ids["unopened"] {
		t.Fatalf("reminder campaign: parent %v audience %v", parent, audience)
	}
	if code := e.do("marketer", "POST", e.path("/reminders"), map[string]any{"criterion": "no_response", "subject": "Still there?"}, &rem); code != 201 || rem.Recipients != 2 {
		t.Fatalf("no_response reminder: %d %+v", code, rem)
	}
	past := time.Now().Add(-time.Hour)
	if code := e.do("marketer", "POST", e.path("/reminders"), map[string]any{"criterion": "no_response", "by": past}, &rem); code != 201 || rem.Recipients != 5 {
		t.Fatalf("no answers before 'by': %d %+v", code, rem)
	}
	for _, c := range []struct {
		body map[string]any
		path string
		want int
	}{
		{map[string]any{"criterion": "sometimes"}, e.path("/reminders"), 422},
		{map[string]any{"criterion": "not_opened", "subject": "a\r\nBcc: x@y"}, e.path("/reminders"), 422},
		{map[string]any{"criterion": "not_opened"}, "/api/v1/update-mailings/999999/reminders", 404},
	} {
		if code := e.do("marketer", "POST", c.path, c.body, nil); code != c.want {
			t.Errorf("%v: %d, want %d", c.body, code, c.want)
		}
	}
	var regular int64
	e.db.QueryRow(ctx, `INSERT INTO campaigns (name, subject, from_email) VALUES ('r', 's', 'a@example.org') RETURNING id`).Scan(&regular)
	if code := e.do("marketer", "GET", "/api/v1/update-mailings/"+itoa(regular)+"/report", nil, nil); code != 409 {
		t.Fatalf("report on a regular campaign: %d", code)
	}

	// Report.
	var rep optin.Report
	if code := e.do("marketer", "GET", e.path("/report"), nil, &rep); code != 200 {
		t.Fatal(code)
	}
	want := map[string]int64{"ok": 1, "changed": 1, "remove": 1, "none": 2}
	for k, v := range want {
		if rep.Counts[k] != v {
			t.Errorf("count %s = %d, want %d", k, rep.Counts[k], v)
		}
	}
	var page httpapi.PageResponse[optin.ReportContact]
	if code := e.do("marketer", "GET", e.path("/report/none?limit=1"), nil, &page); code != 200 || len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("none page 1: %d %+v", code, page)
	}
	first := page.Items[0].ContactID
	if code := e.do("marketer", "GET", e.path("/report/none?limit=1&cursor="+page.NextCursor), nil, &page); code != 200 || len(page.Items) != 1 || page.Items[0].ContactID == first {
		t.Fatalf("none page 2: %d %+v", code, page)
	}
	if code := e.do("marketer", "GET", e.path("/report/remove"), nil, &page); code != 200 || len(page.Items) != 1 || page.Items[0].Email != "remove@example.org" {
		t.Fatalf("remove: %+v", page)
	}
	if code := e.do("marketer", "GET", e.path("/report/maybe"), nil, nil); code != 422 {
		t.Fatalf("bad answer: %d", code)
	}

	// Purge: first those who asked to be removed.
	var j jobs.Job
	if code := e.do("privacy", "POST", e.path("/purge"), map[string]any{}, &j); code != 202 {
		t.Fatalf("purge: %d", code)
	}
	j = e.waitJob(j.ID)
	if j.Status != "done" || j.Total != 1 || j.Applied != 1 {
		t.Fatalf("purge job: %+v", j)
	}
	if _, err := e.cs.Get(ctx, e.ids["remove"]); err != contacts.ErrNotFound {
		t.Fatalf("removed contact still there: %v", err)
	}
	// Non-responders need a past deadline.
	future := time.Now().Add(time.Hour)
	if code := e.do("privacy", "POST", e.path("/purge"), map[string]any{"non_responders": true, "deadline": future}, nil); code != 422 {
		t.Fatalf("future deadline: %d", code)
	}
	if code := e.do("privacy", "POST", e.path("/purge"), map[string]any{"non_responders": true}, nil); code != 422 {
		t.Fatalf("no deadline: %d", code)
	}
	// A deadline before the mailing went out (it started 2 hours ago) would
	// make everyone it reached a non-responder: refused, naming the field.
	code, raw := call(t, e.url, e.tokens["privacy"], "POST", e.path("/purge"), map[string]any{"non_responders": true, "deadline": time.Now().Add(-3 * time.Hour)})
	if code != 422 || !strings.Contains(string(raw), `"field":"deadline"`) || !strings.Contains(string(raw), "before the mailing was sent") {
		t.Fatalf("deadline before the mailing: %d %s", code, raw)
	}
	if code := e.do("admin", "POST", e.path("/purge"), map[string]any{"non_responders": true, "deadline": past}, &j); code != 202 {
		t.Fatalf("purge non-responders: %d", code)
	}
	j = e.waitJob(j.ID)
	if j.Status != "done" || j.Applied != 2 {
		t.Fatalf("purge job: %+v", j)
	}
	var left int64
	e.db.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&left)
	if left != 2 {
		t.Fatalf("%d contacts left, want ok and changed", left)
	}
	// Statistics stay: the anonymised answer and deliveries still count.
	if code := e.do("marketer", "GET", e.path("/report"), nil, &rep); code != 200 || rep.Recipients != 5 || rep.Counts["remove"] != 1 || rep.Counts["none"] != 2 {
		t.Fatalf("report after purge: %+v", rep)
	}
	var anon int64
	e.db.QueryRow(ctx, `SELECT count(*) FROM update_answers WHERE campaign_id = $1 AND contact_id IS NULL AND answer = 'remove'`, e.camp).Scan(&anon)
	if anon != 1 {
		t.Fatalf("anonymised answers: %d", anon)
	}
}

func TestChangeRequestsAPI(t *testing.T) {
	t.Parallel()
	e := newFuEnv(t)
	var page httpapi.PageResponse[optin.ChangeRequest]
	if code := e.do("marketer", "GET", "/api/v1/change-requests?status=pending", nil, &page); code != 200 || len(page.Items) != 1 {
		t.Fatalf("pending: %d %+v", code, page)
	}
	cr := page.Items[0]
	if cr.ContactID != e.ids["changed"] || cr.Changes[0] != (optin.FieldChange{Field: "name", Old: "changed", New: "Changed Name"}) {
		t.Fatalf("request: %+v", cr)
	}
	if code := e.do("viewer", "POST", "/api/v1/change-requests/"+itoa(cr.ID)+"/approve", nil, nil); code != 403 {
		t.Fatalf("viewer approve: %d", code)
	}
	if code := e.do("marketer", "POST", "/api/v1/change-requests/"+itoa(cr.ID)+"/approve", nil, &cr); code != 200 || cr.Status != "approved" {
		t.Fatalf("approve: %d %+v", code, cr)
	}
	if c, _ := e.cs.Get(context.Background(), e.ids["changed"]); c.Name != "Changed Name" {
		t.Fatalf("name after approval: %q", c.Name)
	}
	if code := e.do("marketer", "POST", "/api/v1/change-requests/"+itoa(cr.ID)+"/reject", nil, nil); code != 409 {
		t.Fatalf("second decision: %d", code)
	}
	if code := e.do("marketer", "POST", "/api/v1/change-requests/99999/approve", nil, nil); code != 404 {
		t.Fatalf("unknown: %d", code)
	}
	if code := e.do("marketer", "GET", "/api/v1/change-requests?status=maybe", nil, nil); code != 422 {
		t.Fatalf("bad status: %d", code)
	}
}
