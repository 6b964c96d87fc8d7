package optin_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/httpapi"
)

func TestRolesEnforced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	listBody := map[string]any{"slug": "news", "name": "News", "purpose": "news", "optin": "single"}
	cases := []struct {
		role, method, path string
		body               any
		want               int
	}{
		{"", "GET", "/api/v1/lists", nil, 401},
		{"viewer", "GET", "/api/v1/lists", nil, 200},
		{"viewer", "POST", "/api/v1/lists", listBody, 403},
		{"privacy", "POST", "/api/v1/lists", listBody, 403},
		{"viewer", "GET", "/api/v1/contacts", nil, 403},
		{"privacy", "GET", "/api/v1/contacts", nil, 200},
		{"marketer", "GET", "/api/v1/contacts", nil, 200},
		{"marketer", "DELETE", "/api/v1/contacts/1", nil, 403},
		{"privacy", "DELETE", "/api/v1/contacts/1", nil, 404},
		{"marketer", "GET", "/api/v1/tokens", nil, 403},
		{"admin", "GET", "/api/v1/tokens", nil, 200},
		{"admin", "POST", "/api/v1/lists", listBody, 201},
		{"", "GET", "/api/v1/openapi.json", nil, 200},
	}
	for _, c := range cases {
		var ae apiError
		got := e.do(c.role, c.method, c.path, c.body, &ae)
		if got != c.want {
			t.Errorf("%s %s as %q: status %d, want %d (%+v)", c.method, c.path, c.role, got, c.want, ae)
		}
		if got >= 400 && ae.Error.Code == "" {
			t.Errorf("%s %s as %q: error body lacks a code", c.method, c.path, c.role)
		}
	}
	// A revoked token stops working.
	var toks struct {
		Items []struct {
			ID   int64
			Role string
		}
	}
	e.mustStatus(200, "admin", "GET", "/api/v1/tokens", nil, &toks)
	for _, tk := range toks.Items {
		if tk.Role == "viewer" {
			e.mustStatus(204, "admin", "DELETE", "/api/v1/tokens/"+itoa(tk.ID), nil, nil)
		}
	}
	if got := e.do("viewer", "GET", "/api/v1/lists", nil, nil); got != 401 {
		t.Errorf("revoked token: status %d, want 401", got)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		field  string
	}{
		{"malformed json", "/api/v1/lists", `{"slug": "x",`, 400, "malformed_json", ""},
		{"syntax error", "/api/v1/lists", `{"slug": x}`, 400, "malformed_json", ""},
		{"two objects", "/api/v1/lists", `{"slug":"a"} {"slug":"b"}`, 400, "malformed_json", ""},
		{"empty body", "/api/v1/lists", ``, 400, "malformed_json", ""},
		{"unknown field", "/api/v1/lists", `{"slug":"a","name":"A","purpose":"p","optin":"single","colour":"red"}`, 422, "unknown_field", "colour"},
		{"wrong type", "/api/v1/lists", `{"slug":5}`, 422, "invalid_field", "slug"},
		{"missing purpose", "/api/v1/lists", `{"slug":"a","name":"A","optin":"single"}`, 422, "invalid_field", "purpose"},
		{"bad optin", "/api/v1/lists", `{"slug":"a","name":"A","purpose":"p","optin":"triple"}`, 422, "invalid_field", "optin"},
		{"bad repermission period", "/api/v1/lists", `{"slug":"a","name":"A","purpose":"p","optin":"single","repermission_months":-1}`, 422, "invalid_field", "repermission_months"},
		{"bad repermission grace", "/api/v1/lists", `{"slug":"a","name":"A","purpose":"p","optin":"single","repermission_grace_days":0}`, 422, "invalid_field", "repermission_grace_days"},
		{"bad slug", "/api/v1/lists", `{"slug":"A B","name":"A","purpose":"p","optin":"single"}`, 422, "invalid_field", "slug"},
		{"oversized", "/api/v1/lists", `{"slug":"a","description":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large", ""},
		{"invalid email", "/api/v1/contacts", `{"email":"not an address"}`, 422, "invalid_field", "email"},
		{"email no domain dot", "/api/v1/contacts", `{"email":"a@localhost"}`, 422, "invalid_field", "email"},
		{"email control char", "/api/v1/contacts", "{\"email\":\"a\\u0000b@example.org\"}", 422, "invalid_field", "email"},
		{"name with newline", "/api/v1/contacts", `{"email":"a@example.org","name":"A\r\nBcc: x@y.z"}`, 422, "invalid_field", "name"},
		{"bad attribute key", "/api/v1/contacts", `{"email":"a@example.org","attributes":{"bad key":"x"}}`, 422, "invalid_field", "attributes.bad key"},
		{"nested attribute", "/api/v1/contacts", `{"email":"a@example.org","attributes":{"k":{"x":1}}}`, 422, "invalid_field", "attributes.k"},
		{"lists without consent", "/api/v1/contacts", `{"email":"a@example.org","lists":["x"]}`, 422, "invalid_field", "consent"},
		{"bad source", "/api/v1/contacts", `{"email":"a@example.org","source":"carrier-pigeon"}`, 422, "invalid_field", "source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ae apiError
			got := e.do("marketer", "POST", c.path, c.body, &ae)
			if got != c.status || ae.Error.Code != c.code || ae.Error.Field != c.field {
				t.Errorf("status %d code %q field %q (%s); want %d %q %q", got, ae.Error.Code, ae.Error.Field, ae.Error.Message, c.status, c.code, c.field)
			}
		})
	}
	// Nothing was written by any of them.
	var n int
	e.db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM lists) + (SELECT count(*) FROM contacts)`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows written by rejected requests", n)
	}
	// Bad ids and cursors in the path and query.
	for _, p := range []string{"/api/v1/lists/abc", "/api/v1/lists/-1", "/api/v1/lists?limit=0", "/api/v1/lists?limit=5000", "/api/v1/lists?cursor=not*a*cursor", "/api/v1/lists?cursor=LTU"} {
		if got := e.do("viewer", "GET", p, nil, nil); got != 422 {
			t.Errorf("GET %s: status %d, want 422", p, got)
		}
	}
	if got := e.do("viewer", "GET", "/api/v1/nothing-here", nil, nil); got != 404 {
		t.Errorf("unknown route: %d, want 404", got)
	}
}

func TestContactLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	news := e.createList("news", "single")
	e.createList("events", "double")
	var c struct {
		ID            int64
		Email         string
		Stars         int
		OneStarSince  *string `json:"one_star_since"`
		Subscriptions []struct {
			ListSlug string `json:"list_slug"`
			Status   string
		}
	}
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{
		"email": "Anna.de.Vries@Example.NL", "name": "Anna", "attributes": map[string]any{"city": "Utrecht"},
		"lists": []string{"news", "events"}, "consent": map[string]any{"source": "webform", "purpose": "newsletter", "evidence": "form v3"}}, &c)
	if c.Email != "Anna.de.Vries@example.nl" {
		t.Errorf("email = %q, want domain lower-cased, local part kept", c.Email)
	}
	status := map[string]string{}
	for _, s := range c.Subscriptions {
		status[s.ListSlug] = s.Status
	}
	if status["news"] != "confirmed" || status["events"] != "unconfirmed" {
		t.Errorf("subscriptions = %v, want news confirmed (single opt-in), events unconfirmed (double)", status)
	}
	// Same address in another case is a duplicate.
	if got := e.do("marketer", "POST", "/api/v1/contacts", map[string]any{"email": "anna.de.vries@EXAMPLE.nl"}, nil); got != 409 {
		t.Errorf("duplicate address: status %d, want 409", got)
	}
	// Unsubscribing from every list makes a floater: one star.
	e.mustStatus(200, "marketer", "POST", fmt.Sprintf("/api/v1/contacts/%d/unsubscribe", c.ID), map[string]any{}, nil)
	e.mustStatus(200, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, &c)
	if c.Stars != 1 || c.OneStarSince == nil {
		t.Errorf("after leaving every list: stars %d, one_star_since %v; want 1 and set", c.Stars, c.OneStarSince)
	}
	// Subscribing again clears it.
	e.mustStatus(200, "marketer", "POST", fmt.Sprintf("/api/v1/contacts/%d/subscriptions", c.ID),
		map[string]any{"lists": []string{itoa(news)}, "source": "manual", "purpose": "newsletter"}, nil)
	e.mustStatus(200, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, &c)
	if c.Stars == 1 || c.OneStarSince != nil {
		t.Errorf("after re-subscribing: stars %d, one_star_since %v; want >1 and cleared", c.Stars, c.OneStarSince)
	}
	// Every change left a consent record: opt-in x2, opt-out x2, opt-in.
	var recs struct {
		Items []struct{ Action, Source, Purpose, Evidence string }
	}
	e.mustStatus(200, "privacy", "GET", fmt.Sprintf("/api/v1/contacts/%d/consents", c.ID), nil, &recs)
	var actions []string
	for _, r := range recs.Items {
		actions = append(actions, r.Action)
	}
	if strings.Join(actions, ",") != "opt-in,opt-in,opt-out,opt-out,opt-in" {
		t.Errorf("consent actions = %v", actions)
	}
	if recs.Items[0].Evidence != "form v3" || recs.Items[0].Source != "webform" {
		t.Errorf("first consent record = %+v", recs.Items[0])
	}
	// Patch, then erase.
	e.mustStatus(200, "marketer", "PATCH", fmt.Sprintf("/api/v1/contacts/%d", c.ID), map[string]any{"name": "Anna B."}, nil)
	e.mustStatus(204, "privacy", "DELETE", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, nil)
	e.mustStatus(404, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, nil)
}

func TestBlocklist(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var c struct {
		ID     int64
		Status string
		Stars  int
	}
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": "spam@example.org"}, &c)
	e.mustStatus(201, "marketer", "POST", "/api/v1/blocklist", map[string]any{"email": "SPAM@example.org", "reason": "manual"}, nil)
	e.mustStatus(200, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, &c)
	if c.Status != "blocklisted" || c.Stars != 1 {
		t.Errorf("blocked contact: status %s stars %d", c.Status, c.Stars)
	}
	e.mustStatus(201, "marketer", "POST", "/api/v1/blocklist", map[string]any{"email": "other@example.org"}, nil)
	if got := e.do("marketer", "POST", "/api/v1/contacts", map[string]any{"email": "Other@Example.org"}, nil); got != 409 {
		t.Errorf("creating a blocklisted address: %d, want 409", got)
	}
	var page struct{ Items []struct{ Email string } }
	e.mustStatus(200, "marketer", "GET", "/api/v1/blocklist", nil, &page)
	if len(page.Items) != 2 {
		t.Errorf("blocklist has %d entries, want 2", len(page.Items))
	}
	e.mustStatus(204, "marketer", "DELETE", "/api/v1/blocklist/spam@example.org", nil, nil)
	e.mustStatus(200, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, &c)
	if c.Status != "active" || c.Stars == 1 {
		t.Errorf("unblocked contact: status %s stars %d", c.Status, c.Stars)
	}
	e.mustStatus(404, "marketer", "DELETE", "/api/v1/blocklist/spam@example.org", nil, nil)
}

func TestPaginationAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createList("a", "single")
	for i := range 25 {
		body := map[string]any{"email": fmt.Sprintf("p%02d@example.org", i), "source": []string{"api", "manual"}[i%2]}
		if i < 7 {
			body["lists"] = []string{"a"}
			body["consent"] = map[string]any{"source": "api", "purpose": "x"}
		}
		e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", body, nil)
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		var page struct {
			Items      []struct{ Email string }
			NextCursor string `json:"next_cursor"`
		}
		e.mustStatus(200, "marketer", "GET", "/api/v1/contacts?limit=10&cursor="+cursor, nil, &page)
		pages++
		for _, it := range page.Items {
			if seen[it.Email] {
				t.Errorf("%s on two pages", it.Email)
			}
			seen[it.Email] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 25 || pages != 3 {
		t.Errorf("paged %d contacts over %d pages, want 25 over 3", len(seen), pages)
	}
	count := func(q string) int {
		var page struct{ Items []any }
		e.mustStatus(200, "marketer", "GET", "/api/v1/contacts?limit=1000&"+q, nil, &page)
		return len(page.Items)
	}
	for q, want := range map[string]int{"list=a": 7, "source=manual": 12, "status=active": 25, "stars=2": 25, "stars=1": 0, "email=P03@EXAMPLE.ORG": 1} {
		if got := count(q); got != want {
			t.Errorf("filter %s: %d contacts, want %d", q, got, want)
		}
	}
	for _, q := range []string{"status=gone", "stars=9", "list=nope"} {
		if got := e.do("marketer", "GET", "/api/v1/contacts?"+q, nil, nil); got != 422 {
			t.Errorf("filter %s: status %d, want 422", q, got)
		}
	}
}

// TestOpenAPIMatchesRoutes fails when a route is registered but not
// documented, or documented but not registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	doc, err := httpapi.OpenAPI(e.modules...)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := httpapi.DiffOpenAPI(doc, e.router.Routes())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	var served map[string]any
	e.mustStatus(http.StatusOK, "", "GET", "/api/v1/openapi.json", nil, &served)
	if served["openapi"] != "3.0.3" {
		t.Errorf("served document: openapi = %v", served["openapi"])
	}
}

// TestContactCreateAllOrNothing: POST /api/v1/contacts with lists writes
// the contact, its subscriptions and their consent records in one
// transaction. When the consent record cannot be stored (a trigger refuses
// it, as a full disk would) the request fails and leaves no contact; the
// same request once the store works is created, not refused as a duplicate.
func TestContactCreateAllOrNothing(t *testing.T) {
	e := newEnv(t)
	e.createList("news", "single")
	for _, sql := range []string{`CREATE FUNCTION refuse_consent() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
		`CREATE TRIGGER refuse_consent BEFORE INSERT ON consent_records FOR EACH ROW EXECUTE FUNCTION refuse_consent()`} {
		if _, err := e.db.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	body := map[string]any{"email": "anna@example.org", "lists": []string{"news"},
		"consent": map[string]any{"source": "api", "purpose": "news"}}
	if got := e.do("marketer", "POST", "/api/v1/contacts", body, nil); got != 500 {
		t.Errorf("create while consent cannot be stored: status %d, want 500", got)
	}
	for what, sql := range map[string]string{
		"contacts":      `SELECT count(*) FROM contacts`,
		"subscriptions": `SELECT count(*) FROM subscriptions`,
	} {
		var n int
		if err := e.db.QueryRow(t.Context(), sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("failed create left %d %s behind", n, what)
		}
	}
	if _, err := e.db.Exec(t.Context(), `DROP TRIGGER refuse_consent ON consent_records`); err != nil {
		t.Fatal(err)
	}
	var c struct {
		Subscriptions []struct{ Status string }
	}
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", body, &c)
	if len(c.Subscriptions) != 1 || c.Subscriptions[0].Status != "confirmed" {
		t.Errorf("subscriptions after the retry: %+v, want one confirmed", c.Subscriptions)
	}
}

// TestListReferencesResolvedOnceInOrder: a request naming lists by slug or
// id, with repeats, subscribes each list once; the first unknown reference
// is named by its index in the request, shortened in the message; a slug
// of digits that is also another list's id means the slug's list.
func TestListReferencesResolvedOnceInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	news := e.createList("news", "single")
	events := e.createList("events", "single")
	digits := e.createList(itoa(news), "single") // its slug is news's id
	consent := map[string]any{"source": "api", "purpose": "newsletter", "evidence": "form v3"}
	refs := make([]string, 0, 4003)
	for range 2000 {
		refs = append(refs, "events", " "+itoa(events)+" ")
	}
	refs = append(refs, itoa(news))
	var c struct {
		ID            int64
		Subscriptions []struct {
			ListID int64 `json:"list_id"`
		}
	}
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": "a@example.org", "lists": refs, "consent": consent}, &c)
	if len(c.Subscriptions) != 2 || c.Subscriptions[0].ListID == c.Subscriptions[1].ListID {
		t.Fatalf("subscriptions %+v, want events and the list whose slug is %d", c.Subscriptions, news)
	}
	for _, s := range c.Subscriptions {
		if s.ListID != events && s.ListID != digits {
			t.Errorf("subscribed to list %d, want %d (events) and %d (slug %q)", s.ListID, events, digits, itoa(news))
		}
	}
	long := strings.Repeat("x", 5000)
	var ae apiError
	code := e.do("marketer", "POST", "/api/v1/contacts", map[string]any{"email": "b@example.org",
		"lists": append(refs, "nope", long, "nope"), "consent": consent}, &ae)
	if code != 422 || ae.Error.Field != "lists[4001]" || ae.Error.Message != `unknown list "nope"` {
		t.Errorf("unknown list: %d %+v, want 422 naming lists[4001]", code, ae)
	}
	code = e.do("marketer", "POST", "/api/v1/contacts", map[string]any{"email": "b@example.org",
		"lists": []string{"news", long}, "consent": consent}, &ae)
	if code != 422 || ae.Error.Field != "lists[1]" || len(ae.Error.Message) > 200 {
		t.Errorf("a long unknown list: %d field %q, message of %d bytes", code, ae.Error.Field, len(ae.Error.Message))
	}
	var n int
	e.db.QueryRow(t.Context(), `SELECT count(*) FROM contacts WHERE email = 'b@example.org'`).Scan(&n)
	if n != 0 {
		t.Errorf("a refused contact was stored")
	}
}
