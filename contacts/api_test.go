package contacts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// apiEnv serves the contacts routes alone, on their own database.
type apiEnv struct {
	t      *testing.T
	url    string
	cs     *contacts.Store
	rt     *httpapi.Router
	api    *contacts.API
	tokens map[string]string
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	pool := testenv.DB(t)
	ts := apitoken.NewStore(pool)
	cs := contacts.NewStore(pool, "api-test-key-0123456789abcdef0123", 2)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(t), ts, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	a := &contacts.API{Store: cs, DB: pool}
	httpapi.Mount(rt, a)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	e := &apiEnv{t: t, url: hs.URL, cs: cs, rt: rt, api: a, tokens: map[string]string{}}
	for _, role := range []string{"marketer", "viewer"} {
		_, secret, err := ts.Create(t.Context(), role+" test", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

// do sends a JSON request as role and returns the status and raw answer.
func (e *apiEnv) do(role, method, path, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	return resp.StatusCode, string(raw)
}

// TestAPIOpenAPIMatchesRoutes: the contacts fragment documents exactly the
// routes the contacts package registers.
func TestAPIOpenAPIMatchesRoutes(t *testing.T) {
	e := newAPIEnv(t)
	doc, err := httpapi.OpenAPI(e.api)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := httpapi.DiffOpenAPI(doc, e.rt.Routes())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
}

// TestBlocklistRoutes: blocking an address through the API makes its
// contact blocklisted and one-star, unblocking ends both; a viewer may not
// block; without a list resolver the list filter is refused.
func TestBlocklistRoutes(t *testing.T) {
	e := newAPIEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	c, err := e.cs.Create(ctx, contacts.New{Email: "spam@example.org", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if code, raw := e.do("viewer", "POST", "/api/v1/blocklist", `{"email":"spam@example.org"}`); code != 403 {
		t.Fatalf("viewer blocks: %d %s", code, raw)
	}
	if code, raw := e.do("marketer", "POST", "/api/v1/blocklist", `{"email":"SPAM@example.org","reason":"manual"}`); code != 201 {
		t.Fatalf("block: %d %s", code, raw)
	}
	if got, _ := e.cs.Get(ctx, c.ID); got.Status != contacts.StatusBlocklisted || got.Stars != 1 {
		t.Errorf("blocked contact: status %s stars %d", got.Status, got.Stars)
	}
	if code, raw := e.do("marketer", "GET", "/api/v1/blocklist", ""); code != 200 || strings.Count(raw, `"email"`) != 1 {
		t.Errorf("blocklist: %d %s", code, raw)
	}
	if code, raw := e.do("marketer", "DELETE", "/api/v1/blocklist/spam@example.org", ""); code != 204 {
		t.Fatalf("unblock: %d %s", code, raw)
	}
	if got, _ := e.cs.Get(ctx, c.ID); got.Status != contacts.StatusActive || got.Stars == 1 {
		t.Errorf("unblocked contact: status %s stars %d", got.Status, got.Stars)
	}
	if code, _ := e.do("marketer", "DELETE", "/api/v1/blocklist/spam@example.org", ""); code != 404 {
		t.Errorf("second unblock: %d, want 404", code)
	}
	if code, raw := e.do("marketer", "GET", "/api/v1/contacts?list=news", ""); code != 422 || !strings.Contains(raw, `"field":"list"`) {
		t.Errorf("list filter without lists: %d %s", code, raw)
	}
}
