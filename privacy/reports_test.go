package privacy_test

import (
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

// reportSeed: contacts that came in different ways.
type reportSeed struct {
	w1, w2, u1, i1, a1, n1 int64
}

func seedReports(t *testing.T, e *apiEnv) reportSeed {
	t.Helper()
	ctx := t.Context()
	os := optin.NewStore(e.db)
	news, err := os.CreateList(ctx, listInput("news"))
	if err != nil {
		t.Fatal(err)
	}
	events, err := os.CreateList(ctx, listInput("events"))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email, name, source string, attrs map[string]any) int64 {
		c, err := e.cs.Create(ctx, contacts.New{Email: email, Name: name, Source: source, Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	sub := func(id, list int64, c optin.Consent) {
		if _, err := os.Subscribe(ctx, id, []int64{list}, c, false); err != nil {
			t.Fatal(err)
		}
	}
	var s reportSeed
	s.w1 = mk("w1@example.org", "Wim", "webform", map[string]any{"city": "Utrecht", "age": 30})
	s.w2 = mk("w2@example.org", "", "webform", map[string]any{"city": "Delft"})
	s.u1 = mk("u1@example.org", "Ulla", "webform", nil)
	s.i1 = mk("i1@example.org", "", "import", map[string]any{"city": ""})
	s.a1 = mk("a1@example.org", "", "api", nil)
	s.n1 = mk("n1@example.org", "Nel", "manual", nil)
	sub(s.w1, news.ID, optin.Consent{Source: "webform", IP: netip.MustParseAddr("192.0.2.10"), UserAgent: "UA"})
	sub(s.w2, news.ID, optin.Consent{Source: "webform"})
	sub(s.u1, news.ID, optin.Consent{Source: "webform"})
	sub(s.i1, news.ID, optin.Consent{Source: "import"})
	sub(s.a1, events.ID, optin.Consent{Source: "api"})
	if _, err := os.Unsubscribe(ctx, s.u1, nil, optin.Consent{Source: "one-click"}); err != nil {
		t.Fatal(err)
	}
	if err := e.cs.BlockAddress(ctx, "n1@example.org", "manual", ""); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `UPDATE contacts SET one_star_since = now() - interval '40 days' WHERE id = $1`, s.n1)
	e.exec(t, `UPDATE contacts SET last_engaged_at = now() - interval '10 days' WHERE id = $1`, s.a1)
	e.exec(t, `UPDATE contacts SET last_engaged_at = now() - interval '100 days' WHERE id = $1`, s.w1)
	return s
}

// getCSV fetches a report as CSV and parses it.
func (e *apiEnv) getCSV(path string) [][]string {
	e.t.Helper()
	code, raw, hdr := e.do("privacy", "GET", path, nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), ".csv") {
		e.t.Fatalf("%s: %d %s %s", path, code, hdr.Get("Content-Type"), raw)
	}
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		e.t.Fatalf("%s: CSV: %v", path, err)
	}
	return recs
}

func (e *apiEnv) getJSON(path string, v any) {
	e.t.Helper()
	if err := json.Unmarshal(e.mustDo(200, "privacy", "GET", path, nil), v); err != nil {
		e.t.Fatal(err)
	}
}

func TestReports(t *testing.T) {
	t.Parallel()
	e, _, _ := requestEnv(t, privacy.Options{OneStarDays: 30})
	ctx := t.Context()
	s := seedReports(t, e)

	// Roles: only privacy and admin.
	routes := []string{"/api/v1/privacy/reports/optin-origin", "/api/v1/privacy/reports/optin-origin/contacts",
		"/api/v1/privacy/reports/inventory", "/api/v1/privacy/reports/stars", "/api/v1/privacy/reports/requests",
		"/api/v1/privacy/requests", "/api/v1/privacy/requests/1"}
	for _, r := range routes {
		for _, role := range []string{"marketer", "viewer"} {
			if code, _, _ := e.do(role, "GET", r, nil); code != 403 {
				t.Errorf("GET %s as %s: %d, want 403", r, role, code)
			}
		}
		if code, _, _ := e.do("", "GET", r, nil); code != 401 {
			t.Errorf("GET %s without token: %d, want 401", r, code)
		}
	}
	for _, r := range []string{"/api/v1/privacy/requests/1/fulfil", "/api/v1/privacy/requests/1/reject"} {
		if code, _, _ := e.do("marketer", "POST", r, map[string]any{"reason": "x"}); code != 403 {
			t.Errorf("POST %s as marketer: %d, want 403", r, code)
		}
	}

	// Opt-in origin, JSON.
	var origin struct{ Items []privacy.OriginRow }
	e.getJSON("/api/v1/privacy/reports/optin-origin", &origin)
	var got []string
	for _, r := range origin.Items {
		got = append(got, r.List+"/"+r.Source+":"+itoa(r.Contacts)+"/"+itoa(r.Records)+"/"+itoa(r.Subscribed))
		if r.First.IsZero() || r.Last.Before(r.First) {
			t.Errorf("row %+v: first/last", r)
		}
	}
	want := "/manual:1/0/0,events/api:1/1/1,news/import:1/1/1,news/webform:3/3/2"
	if strings.Join(got, ",") != want {
		t.Errorf("opt-in origin %v, want %s", got, want)
	}
	// CSV: the same rows under a header.
	recs := e.getCSV("/api/v1/privacy/reports/optin-origin?format=csv")
	if strings.Join(recs[0], ",") != "list_id,list,source,contacts,records,subscribed,first_at,last_at" || len(recs) != len(origin.Items)+1 {
		t.Fatalf("origin CSV %v", recs)
	}
	if r := recs[4]; r[1] != "news" || r[2] != "webform" || r[3] != "3" || r[5] != "2" {
		t.Errorf("origin CSV row %v", r)
	}
	// Filters.
	e.getJSON("/api/v1/privacy/reports/optin-origin?list=news&source=import", &origin)
	if len(origin.Items) != 1 || origin.Items[0].Source != "import" {
		t.Errorf("filtered origin %+v", origin.Items)
	}
	e.getJSON("/api/v1/privacy/reports/optin-origin?since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), &origin)
	if len(origin.Items) != 0 {
		t.Errorf("origin since the future: %+v", origin.Items)
	}
	for _, c := range []struct{ q, field string }{{"source=fax", "source"}, {"since=yesterday", "since"}, {"list=nope", "list"},
		{"format=xml", "format"}, {"since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z", "until"}} {
		code, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/reports/optin-origin?"+c.q, nil)
		if code != 422 || !strings.Contains(string(raw), `"field":"`+c.field+`"`) {
			t.Errorf("origin ?%s: %d %s, want 422 naming %s", c.q, code, raw, c.field)
		}
	}
	// The segment: who came onto news by the web form and is still on it.
	var seg struct {
		Items      []int64
		NextCursor string `json:"next_cursor"`
	}
	e.getJSON("/api/v1/privacy/reports/optin-origin/contacts?list=news&source=webform&limit=1", &seg)
	if len(seg.Items) != 1 || seg.Items[0] != s.w1 || seg.NextCursor == "" {
		t.Fatalf("segment page 1 %+v", seg)
	}
	cursor := seg.NextCursor
	seg.NextCursor = ""
	e.getJSON("/api/v1/privacy/reports/optin-origin/contacts?list=news&source=webform&limit=1&cursor="+cursor, &seg)
	if len(seg.Items) != 1 || seg.Items[0] != s.w2 || seg.NextCursor != "" {
		t.Fatalf("segment page 2 %+v", seg)
	}
	recs = e.getCSV("/api/v1/privacy/reports/optin-origin/contacts?list=" + itoa(e.listID("news")) + "&format=csv")
	if itoas([]int64{s.w1, s.w2, s.i1}) != strings.Join(flat(recs[1:]), ",") || recs[0][0] != "contact_id" {
		t.Errorf("segment CSV %v", recs)
	}

	// Inventory: registered fields and attribute keys with filled counts.
	var inv privacy.Inventory
	e.getJSON("/api/v1/privacy/reports/inventory", &inv)
	filled := map[string]int64{}
	for _, f := range inv.Fields {
		filled[f.Table+"."+f.Field+"/"+f.Unit] = f.Filled
	}
	for k, v := range map[string]int64{"contacts.email/contacts": 6, "contacts.name/contacts": 3, "contacts.attributes/contacts": 3,
		"contacts.attributes.city/contacts": 2, "contacts.attributes.age/contacts": 1, "consent_records.ip/contacts": 1,
		"consent_records.user_agent/contacts": 1, "subscriptions.status/contacts": 5, "blocklist.email/rows": 1, "privacy_requests.ip/contacts": 0} {
		if got, ok := filled[k]; !ok || got != v {
			t.Errorf("inventory %s = %d (present %v), want %d", k, got, ok, v)
		}
	}
	if inv.Contacts != 6 {
		t.Errorf("inventory contacts %d", inv.Contacts)
	}
	recs = e.getCSV("/api/v1/privacy/reports/inventory?format=csv")
	if len(recs) != len(inv.Fields)+1 || strings.Join(recs[0], ",") != "table,field,filled,unit" {
		t.Errorf("inventory CSV has %d rows for %d fields", len(recs), len(inv.Fields))
	}

	// Stars.
	var st privacy.StarsReport
	e.getJSON("/api/v1/privacy/reports/stars", &st)
	if st.Total != 6 || st.Stars["1"] != 2 || st.Stars["2"] != 2 || st.Stars["3"] != 1 || st.Stars["4"] != 0 || st.Stars["5"] != 1 ||
		st.OneStar["floater"] != 1 || st.OneStar["blocklisted"] != 1 || st.OneStar["inactive"] != 0 || st.RetentionDue != 1 {
		t.Errorf("stars %+v", st)
	}
	recs = e.getCSV("/api/v1/privacy/reports/stars?format=csv")
	if len(recs) != 9 || strings.Join(recs[1], ",") != "1,,2" || strings.Join(recs[7], ",") != "1,blocklisted,1" {
		t.Errorf("stars CSV %v", recs)
	}

	// Open requests by deadline: the overdue one first.
	if err := e.svc.RequestForContact(ctx, s.w1, "access", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestForContact(ctx, s.w2, "erasure", "", "", ""); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `UPDATE privacy_requests SET verified_at = now() - interval '40 days', due_at = now() - interval '9 days' WHERE kind = 'erasure'`)
	var open struct{ Items []privacy.OpenRequest }
	e.getJSON("/api/v1/privacy/reports/requests", &open)
	if len(open.Items) != 2 || open.Items[0].Kind != "erasure" || !open.Items[0].Overdue || open.Items[0].DaysLeft != -9 ||
		open.Items[1].Overdue || open.Items[1].DaysLeft < 29 {
		t.Errorf("open requests %+v", open.Items)
	}
	// The same as a gauge for alerting.
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(`
# HELP postbode_privacy_requests_open Open privacy requests of data subjects, by kind and whether past their deadline.
# TYPE postbode_privacy_requests_open gauge
postbode_privacy_requests_open{kind="access",overdue="false"} 1
postbode_privacy_requests_open{kind="access",overdue="true"} 0
postbode_privacy_requests_open{kind="erasure",overdue="false"} 0
postbode_privacy_requests_open{kind="erasure",overdue="true"} 1
postbode_privacy_requests_open{kind="objection",overdue="false"} 0
postbode_privacy_requests_open{kind="objection",overdue="true"} 0
postbode_privacy_requests_open{kind="rectification",overdue="false"} 0
postbode_privacy_requests_open{kind="rectification",overdue="true"} 0
postbode_privacy_requests_open{kind="restriction",overdue="false"} 0
postbode_privacy_requests_open{kind="restriction",overdue="true"} 0
`), "postbode_privacy_requests_open"); err != nil {
		t.Error(err)
	}
	recs = e.getCSV("/api/v1/privacy/reports/requests?format=csv")
	if len(recs) != 3 || recs[1][1] != "erasure" || recs[1][6] != "true" {
		t.Errorf("requests CSV %v", recs)
	}

	// Every report read is audited with its name and row count, nothing personal.
	entries, err := e.svc.AuditLog(ctx, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, en := range entries {
		counts[en.Action+"/"+en.Cause]++
	}
	for k, v := range map[string]int{"report/optin-origin": 4, "segment/optin-origin": 3, "report/inventory": 2,
		"report/stars": 2, "report/requests": 2, "request-verified/access": 1, "request-verified/erasure": 1} {
		if counts[k] != v {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", k, counts[k], v, counts)
		}
	}
}

func flat(recs [][]string) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r...)
	}
	return out
}

func listInput(slug string) optin.ListInput {
	single := "single"
	return optin.ListInput{Slug: &slug, Name: &slug, Purpose: &slug, OptIn: &single}
}
