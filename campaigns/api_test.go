package campaigns_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

type apiEnv struct {
	*fixture
	url    string
	tokens map[string]string
	rt     *httpapi.Router
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	f := newFixture(t, nil)
	ts := apitoken.NewStore(f.db)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(t), ts, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(rt, campaigns.NewAPI(f.svc))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	e := &apiEnv{fixture: f, url: hs.URL, tokens: map[string]string{}, rt: rt}
	for _, role := range apitoken.Roles {
		_, secret, err := ts.Create(context.Background(), role+" test", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

func (e *apiEnv) do(role, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func errField(out map[string]any) (code, field, msg string) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	msg, _ = e["message"].(string)
	return
}

func TestAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	l := e.list("news")
	ids := e.contacts("api", 2, "confirmed", l)
	valid := func() map[string]any {
		return map[string]any{"name": "March", "subject": "Hello {{.Contact.Name}}", "html": "<p>Hi</p>",
			"from_name": "News", "from_email": "news@news.example.com", "lists": []string{"news"}}
	}
	with := func(k string, v any) map[string]any {
		m := valid()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no name", with("name", nil), "name"},
		{"no subject", with("subject", ""), "subject"},
		{"no body", with("html", nil), "html"},
		{"bad from", with("from_email", "not an address"), "from_email"},
		{"from without DKIM key", with("from_email", "news@elsewhere.example"), "from_email"},
		{"bad reply-to", with("reply_to", "x@"), "reply_to"},
		{"unknown list", with("lists", []string{"news", "nope"}), "lists"},
		{"no lists", with("lists", []string{}), "lists"},
		{"unknown list id", map[string]any{"name": "x", "subject": "s", "html": "<p>x</p>", "from_email": "a@news.example.com", "list_ids": []int{999}}, "list_ids"},
		{"bad kind", with("kind", "weekly"), "kind"},
		{"template error", with("html", "<p>{{.Contact.Name</p>"), "html"},
		{"subject template error", with("subject", "Hi {{if}}"), "subject"},
		{"endless loop", with("html", "<p>{{range 30000000}}{{end}}</p>"), "html"},
		{"ten megabytes", with("html", "<p>{{range 1000000}}xxxxxxxxxx{{end}}</p>"), "html"},
		{"text too large", with("text", "{{range 30000}}"+strings.Repeat("x", 100)+"{{end}}"), "text"},
		{"body defines the layout", with("html", `{{define "layout"}}<p>no footer</p>{{end}}<p>x</p>`), "html"},
		{"unknown field", with("colour", "red"), "colour"},
		{"miscased field", with("Subject", "s"), "Subject"},
		{"NUL in the subject", with("subject", "Hi\x00"), "subject"},
		{"NUL in the body", with("html", "<p>x\x00</p>"), "html"},
		{"invalid UTF-8 in the name", "{\"name\":\"N\xff\",\"subject\":\"s\",\"html\":\"<p>x</p>\",\"from_email\":\"news@news.example.com\",\"lists\":[\"news\"]}", "name"},
		{"wrong type", with("track_opens", "yes"), "track_opens"},
		{"direction control in the name", with("name", "April\u202eliaM"), "name"},
		{"invisible character in the name", with("name", "Ap\u200bril"), "name"},
		{"direction control in the sender's name", with("from_name", "\u2066News"), "from_name"},
		{"line break in the sender's name", with("from_name", "News\nBcc: x"), "from_name"},
		{"quote in the sender's name", with("from_name", `News" <x@example.org>`), "from_name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.do("marketer", "POST", "/api/v1/campaigns", tc.body)
			_, field, msg := errField(out)
			if code != 422 || field != tc.field {
				t.Errorf("got %d field %q (%s), want 422 naming %q", code, field, msg, tc.field)
			}
		})
	}
	// Many unknown slugs, repeated or long, are named a few at a time, each
	// once and shortened.
	many := []string{"news", "news"}
	for i := range 40 {
		many = append(many, fmt.Sprintf("nope%d", i%8), strings.Repeat("y", 3000))
	}
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns", with("lists", many)); code != 422 {
		t.Errorf("many unknown lists: %d", code)
	} else if _, field, msg := errField(out); field != "lists" ||
		!strings.HasPrefix(msg, "unknown list nope0, "+strings.Repeat("y", 100)+"…, nope1, nope2, nope3 and 4 more") || len(msg) > 400 {
		t.Errorf("many unknown lists: %q %q", field, msg)
	}
	// Several wrong fields are all named at once, not one per attempt.
	several := valid()
	several["lists"], several["html"], several["reply_to"] = []string{}, "<p>{{.Contact.Nam}}</p>", "x@"
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns", several); code != 422 {
		t.Errorf("several wrong fields: %d, want 422", code)
	} else {
		named := map[string]string{}
		list, _ := out["error"].(map[string]any)["errors"].([]any)
		for _, f := range list {
			m, _ := f.(map[string]any)
			field, _ := m["field"].(string)
			named[field], _ = m["message"].(string)
		}
		if len(named) != 3 || named["lists"] == "" || named["reply_to"] == "" || !strings.Contains(named["html"], "unknown field Nam") {
			t.Errorf("several wrong fields: errors %v, want lists, reply_to and html", named)
		}
	}
	var n int
	e.db.QueryRow(context.Background(), `SELECT count(*) FROM campaigns`).Scan(&n)
	if n != 0 {
		t.Fatalf("invalid input stored %d campaigns", n)
	}
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns", with("html", "<p>{{.Contact.Name</p>")); code == 422 {
		if _, _, msg := errField(out); !strings.Contains(msg, "line 1") {
			t.Errorf("template error message %q lacks the position", msg)
		}
	}

	if code, _ := e.do("viewer", "POST", "/api/v1/campaigns", valid()); code != 403 {
		t.Errorf("viewer create: %d, want 403", code)
	}
	code, c1 := e.do("marketer", "POST", "/api/v1/campaigns", valid())
	if code != 201 || c1["status"] != "draft" {
		t.Fatalf("create: %d %v", code, c1)
	}
	id := itoa(int64(c1["id"].(float64)))
	e.do("marketer", "POST", "/api/v1/campaigns", with("name", "April"))

	code, page := e.do("viewer", "GET", "/api/v1/campaigns?limit=1", nil)
	if code != 200 || len(page["items"].([]any)) != 1 || page["next_cursor"] == "" {
		t.Errorf("list page 1: %d %v", code, page)
	}
	code, page2 := e.do("viewer", "GET", "/api/v1/campaigns?limit=1&cursor="+page["next_cursor"].(string), nil)
	if code != 200 || len(page2["items"].([]any)) != 1 || page2["items"].([]any)[0].(map[string]any)["name"] != "April" || page2["next_cursor"] != nil {
		t.Errorf("list page 2: %d %v", code, page2)
	}
	if code, out := e.do("viewer", "GET", "/api/v1/campaigns?status=bogus", nil); code != 422 {
		t.Errorf("bad status filter: %d %v", code, out)
	}

	// State errors are 409 with a clear message.
	code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/pause", nil)
	if c, _, msg := errField(out); code != 409 || c != "invalid_state" || !strings.Contains(msg, "draft") {
		t.Errorf("pause a draft: %d %v", code, out)
	}
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/schedule", map[string]any{}); code != 422 {
		t.Errorf("schedule without send_at: %d %v", code, out)
	} else if _, f, _ := errField(out); f != "send_at" {
		t.Errorf("schedule without send_at names %q", f)
	}
	code, out = e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/schedule", map[string]any{"send_at": time.Now().Add(time.Hour)})
	if code != 200 || out["status"] != "scheduled" {
		t.Errorf("schedule: %d %v", code, out)
	}
	code, out = e.do("marketer", "PATCH", "/api/v1/campaigns/"+id, map[string]any{"subject": "Changed"})
	if code != 200 || out["subject"] != "Changed" || out["name"] != "March" {
		t.Errorf("update: %d %v", code, out)
	}
	if code, out := e.do("marketer", "PATCH", "/api/v1/campaigns/"+id, map[string]any{"from_email": "x@other.example"}); code != 422 {
		t.Errorf("invalid update: %d %v", code, out)
	}
	if code, _ := e.do("marketer", "GET", "/api/v1/campaigns/424242", nil); code != 404 {
		t.Errorf("unknown campaign: %d", code)
	}

	// Preview and test send.
	code, out = e.do("marketer", "GET", "/api/v1/campaigns/"+id+"/preview?contact_id="+itoa(ids[1]), nil)
	if code != 200 || !strings.Contains(out["html"].(string), "/u/") || out["subject"] != "Changed" {
		t.Errorf("preview: %d %v", code, out)
	}
	if code, out := e.do("marketer", "GET", "/api/v1/campaigns/"+id+"/preview", nil); code != 422 {
		t.Errorf("preview without contact: %d %v", code, out)
	}
	if code, _ := e.do("viewer", "GET", "/api/v1/campaigns/"+id+"/preview?contact_id="+itoa(ids[1]), nil); code != 403 {
		t.Errorf("viewer preview (personal data): %d, want 403", code)
	}
	code, out = e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/test", map[string]any{"addresses": []string{"tester@example.net"}})
	if code != 200 || !strings.Contains(jsonString(out), `"result":"sent"`) {
		t.Errorf("test send: %d %v", code, out)
	}
	if raw, _ := e.sink.message("tester@example.net"); !bytes.Contains(raw, []byte("Subject: [Test] Changed")) {
		t.Errorf("test message: %.300s", raw)
	}
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/test", map[string]any{"addresses": []string{"ok@example.net", "bad"}}); code != 422 {
		t.Errorf("test send to a bad address: %d %v", code, out)
	} else if _, f, _ := errField(out); f != "addresses[1]" {
		t.Errorf("bad test address names %q", f)
	}

	code, out = e.do("viewer", "GET", "/api/v1/campaigns/"+id+"/stats", nil)
	if code != 200 || out["status"] != "scheduled" || out["total"] != float64(0) {
		t.Errorf("stats: %d %v", code, out)
	}
	for _, op := range []string{"start", "pause", "resume", "cancel"} {
		if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/"+op, nil); code != 200 {
			t.Errorf("%s: %d %v", op, code, out)
		}
	}
	if code, _ := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/start", nil); code != 409 {
		t.Errorf("start a cancelled campaign: %d", code)
	}

	// Starting re-checks the campaign: a list deleted since it was saved.
	gone := e.list("gone")
	onGone := with("list_ids", []int64{gone})
	delete(onGone, "lists")
	code, c3 := e.do("marketer", "POST", "/api/v1/campaigns", onGone)
	if code != 201 {
		t.Fatalf("create on list gone: %d %v", code, c3)
	}
	e.db.Exec(context.Background(), `DELETE FROM lists WHERE id = $1`, gone)
	code, out = e.do("marketer", "POST", "/api/v1/campaigns/"+itoa(int64(c3["id"].(float64)))+"/start", nil)
	if _, f, _ := errField(out); code != 422 || f != "list_ids" {
		t.Errorf("start with a deleted list: %d %v", code, out)
	}
}

func TestTrackingForbidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) { o.Tracking = false })
	l := f.list("news")
	_, err := f.svc.Create(context.Background(), campaigns.Input{Name: ptr("x"), Subject: ptr("s"), HTML: ptr("<p>x</p>"),
		FromEmail: ptr("a@news.example.com"), ListIDs: &[]int64{l}, TrackClicks: ptr(true)}, "t")
	if !isInvalid(err, "track_clicks") {
		t.Errorf("tracking with sending.tracking off: %v", err)
	}
}

func TestOpenAPIFragment(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	var routes []httpapi.Route
	for _, r := range e.rt.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/campaigns") {
			routes = append(routes, r)
		}
	}
	diff, err := httpapi.DiffOpenAPI(campaigns.NewAPI(e.svc).OpenAPI(), routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	if _, err := httpapi.OpenAPI(campaigns.NewAPI(e.svc)); err != nil {
		t.Errorf("merging the fragment: %v", err)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
