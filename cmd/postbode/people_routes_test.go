package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

// routeWorld is the whole admin API in process with two departments: A
// (the default) with a person per shipped role, and B with its own data.
type routeWorld struct {
	t      *testing.T
	a      *app
	url    string
	routes []httpapi.Route
	tokens map[string]string // role in A → bearer token of a person
	b      map[string]int64  // B's object ids by kind
	bEmail string
	bInv   string // B's invitation's id
}

func newRouteWorld(t *testing.T) *routeWorld {
	t.Helper()
	_, dbURL := testenv.DBWithURL(t)
	_, prefix := testenv.Redis(t)
	cfg := config.Default()
	cfg.Database.URL, cfg.Database.Migrate = dbURL, false
	cfg.Redis.URL, cfg.Redis.KeyPrefix = testenv.RedisURL(), prefix
	cfg.Secrets.Key = "routes-secret-0123456789abcdef0123456789"
	cfg.SMTP.CaptureDir = t.TempDir()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newApp(ctx, cfg, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	rt, srv := a.newAPI(ctx, mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.Close(); cancel(); srv.Wait(); a.close() })
	w := &routeWorld{t: t, a: a, url: hs.URL, routes: rt.Routes(), tokens: map[string]string{}, b: map[string]int64{}}
	w.seed()
	return w
}

// person creates an active person with role in dept and returns a token
// acting for them there.
func (w *routeWorld) person(email, role string, dept int64) (staff.Person, string) {
	w.t.Helper()
	svc := w.a.staff()
	p, err := svc.CreateActive(w.t.Context(), staff.NewPerson{Email: email, DepartmentID: dept, Role: role,
		Password: "routes passphrase 2026"})
	if err != nil {
		w.t.Fatal(err)
	}
	actx := access.WithActor(w.t.Context(), access.Actor{PersonID: p.ID, DepartmentID: dept})
	_, secret, err := svc.CreateToken(actx, "walk", p.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return p, secret
}

func (w *routeWorld) seed() {
	w.t.Helper()
	ctx := w.t.Context()
	for _, role := range access.ShippedNames {
		_, w.tokens[role] = w.person(role+"@a.example.org", role, 1)
	}
	d, err := w.a.staff().SaveDepartment(ctx, staff.Department{Slug: "b", Name: "B"})
	if err != nil {
		w.t.Fatal(err)
	}
	bp, _ := w.person("admin@b.example.org", "admin", d.ID)
	w.b["person"], w.b["dept"] = bp.ID, d.ID
	w.bEmail = "secret-b@b.example.org"
	q := func(kind, sql string, args ...any) {
		w.t.Helper()
		var id int64
		if err := w.a.db.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			w.t.Fatalf("seed %s: %v", kind, err)
		}
		w.b[kind] = id
	}
	q("contact", `INSERT INTO contacts (email, name, source, updated_source, department_id) VALUES ($1, 'B Secret', 'api', 'api', $2) RETURNING id`, w.bEmail, d.ID)
	q("list", `INSERT INTO lists (slug, name, purpose, optin, department_id) VALUES ('b-news', 'B News', 'news', 'single', $1) RETURNING id`, d.ID)
	q("campaign", `INSERT INTO campaigns (name, kind, subject, from_email, department_id) VALUES ('B campaign', 'update', 's', 'b@b.example.org', $1) RETURNING id`, d.ID)
	q("stats", `INSERT INTO campaign_stats (campaign_id) VALUES ($1) RETURNING campaign_id`, w.b["campaign"])
	q("job", `INSERT INTO jobs (kind, department_id) VALUES ('import', $1) RETURNING id`, d.ID)
	q("request", `INSERT INTO privacy_requests (kind, via, contact_id, due_at, department_id) VALUES ('access', 'form', $1, now() + interval '30 days', $2) RETURNING id`, w.b["contact"], d.ID)
	q("change", `INSERT INTO change_requests (contact_id, changes, status) VALUES ($1, '[]', 'pending') RETURNING id`, w.b["contact"])
	q("token", `SELECT id FROM api_tokens WHERE person_id = $1`, bp.ID)
	q("subscription", `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, $2, 'confirmed') RETURNING list_id`, w.b["contact"], w.b["list"])
	q("block", `INSERT INTO blocklist (email_hash, email, reason, department_id) VALUES (sha256($1::bytea), $2, 'manual', $3) RETURNING id`, []byte(w.bEmail), w.bEmail, d.ID)
	_, _, _, err = w.a.staff().Login(ctx, staff.LoginInput{Email: "admin@b.example.org", Password: "routes passphrase 2026"})
	if err != nil {
		w.t.Fatal(err)
	}
	q("session", `SELECT id FROM sessions WHERE person_id = $1`, bp.ID)
	inv, _, err := w.a.staff().Invite(ctx, staff.NewPerson{Email: w.bEmail, Name: "B Secret", DepartmentID: d.ID, Role: "viewer"})
	if err != nil {
		w.t.Fatal(err)
	}
	w.bInv = inv.ID
}

// path fills a route's parameters with department B's objects.
func (w *routeWorld) path(p string) string {
	kind := "contact"
	for prefix, k := range map[string]string{"/api/v1/lists/": "list", "/api/v1/campaigns/": "campaign",
		"/api/v1/update-mailings/": "campaign", "/api/v1/jobs/": "job", "/api/v1/change-requests/": "change",
		"/api/v1/privacy/requests/": "request", "/api/v1/persons/": "person", "/api/v1/tokens/": "token",
		"/api/v1/auth/sessions/": "session", "/api/v1/auth/tokens/": "token"} {
		if strings.HasPrefix(p, prefix) {
			kind = k
		}
	}
	r := strings.NewReplacer("{id}", strconv.FormatInt(w.b[kind], 10), "{sid}", strconv.FormatInt(w.b["session"], 10),
		"{email}", w.bEmail, "{answer}", "changed", "{name}", "walk-role")
	if strings.HasPrefix(p, "/api/v1/invitations/") {
		r = strings.NewReplacer("{id}", w.bInv)
	}
	p = r.Replace(p)
	if strings.HasSuffix(p, "/preview") {
		p += "?contact_id=" + strconv.FormatInt(w.b["contact"], 10)
	}
	return p
}

func (w *routeWorld) do(token, method, path, body string) (int, string) {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.url+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEveryRoutePerPermissionAndDepartment walks the router's route list:
// without credentials every non-public route answers 401; a person of
// department A whose role lacks the route's permission gets 403; one whose
// role has it never sees or changes department B's objects (404 by id,
// never B's data in a listing), and B's objects are unchanged afterwards.
func TestEveryRoutePerPermissionAndDepartment(t *testing.T) {
	w := newRouteWorld(t)
	if len(w.routes) < 60 {
		t.Fatalf("only %d routes registered", len(w.routes))
	}
	for _, r := range w.routes {
		if r.Perm == access.Public {
			continue
		}
		path := w.path(r.Path)
		if code, _ := w.do("", r.Method, path, "{}"); code != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401", r.Method, r.Path, code)
		}
		for _, role := range access.ShippedNames {
			code, body := w.do(w.tokens[role], r.Method, path, "{}")
			allowed := r.Perm == access.SignedIn || access.NewSet(access.Shipped[role]...).Has(r.Perm)
			switch {
			case !allowed && code != http.StatusForbidden:
				t.Errorf("%s %s as %s (lacks %s): %d, want 403", r.Method, r.Path, role, r.Perm, code)
			case allowed && code == http.StatusForbidden:
				t.Errorf("%s %s as %s (has %s): 403 %s", r.Method, r.Path, role, r.Perm, body)
			case allowed && r.Method == "GET" && w.byID(r.Path) && code != http.StatusNotFound:
				t.Errorf("%s %s as %s: %d, want 404 for department B's object: %s", r.Method, path, role, code, body)
			case allowed && w.byID(r.Path) && code/100 == 2 && r.Method != "GET":
				t.Errorf("%s %s as %s changed department B's object: %d %s", r.Method, path, role, code, body)
			}
			if allowed && code/100 == 2 {
				for _, secret := range []string{w.bEmail, "B Secret", "b-news", "B campaign"} {
					if strings.Contains(body, secret) {
						t.Errorf("%s %s as %s shows department B's %q", r.Method, path, role, secret)
					}
				}
			}
		}
	}
	w.checkBUnchanged()
}

// byID reports whether a route addresses one object by id.
func (w *routeWorld) byID(p string) bool {
	return strings.Contains(p, "{id}") || strings.Contains(p, "{email}")
}

func (w *routeWorld) checkBUnchanged() {
	w.t.Helper()
	var name, status string
	var n int
	db := w.a.db
	ctx := w.t.Context()
	if err := db.QueryRow(ctx, `SELECT name, status FROM contacts WHERE id = $1`, w.b["contact"]).Scan(&name, &status); err != nil || name != "B Secret" || status != "active" {
		w.t.Errorf("B's contact changed: %q %q %v", name, status, err)
	}
	db.QueryRow(ctx, `SELECT count(*) FROM lists WHERE id = $1`, w.b["list"]).Scan(&n)
	db.QueryRow(ctx, `SELECT status FROM campaigns WHERE id = $1`, w.b["campaign"]).Scan(&status)
	if n != 1 || status != "draft" {
		w.t.Errorf("B's list or campaign changed: lists=%d status=%s", n, status)
	}
	db.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id = $1 AND revoked_at IS NULL`, w.b["session"]).Scan(&n)
	if n != 1 {
		w.t.Error("B's session was revoked")
	}
	db.QueryRow(ctx, `SELECT count(*) FROM persons WHERE id = $1 AND status = 'active'`, w.b["person"]).Scan(&n)
	if n != 1 {
		w.t.Error("B's person was disabled")
	}
	db.QueryRow(ctx, `SELECT count(*) FROM blocklist WHERE id = $1`, w.b["block"]).Scan(&n)
	if n != 1 {
		w.t.Error("B's blocklist entry was removed")
	}
	db.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE id = $1 AND revoked_at IS NULL AND sent_at = created_at`, w.bInv).Scan(&n)
	if n != 1 {
		w.t.Error("B's invitation was revoked or sent again")
	}
}

// TestContactOfOtherDepartmentIs404 is the headline case on its own.
func TestContactOfOtherDepartmentIs404(t *testing.T) {
	w := newRouteWorld(t)
	path := "/api/v1/contacts/" + strconv.FormatInt(w.b["contact"], 10)
	if code, body := w.do(w.tokens["admin"], "GET", path, ""); code != http.StatusNotFound {
		t.Fatalf("A's admin reading B's contact: %d %s", code, body)
	}
	_, bTok := w.person("marketer@b.example.org", "marketer", w.b["dept"])
	if code, body := w.do(bTok, "GET", path, ""); code != http.StatusOK || !strings.Contains(body, w.bEmail) {
		t.Fatalf("B's marketer reading B's contact: %d %s", code, body)
	}
}

// TestOpenAPICoversEveryRoute compares the served document with every
// registered route of every domain.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	w := newRouteWorld(t)
	resp, err := http.Get(w.url + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, _ := io.ReadAll(resp.Body)
	diff, err := httpapi.DiffOpenAPI(doc, w.routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
}
