package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

type apiEnv struct {
	*fixture
	t      *testing.T
	url    string
	tokens map[string]string
	rt     *httpapi.Router
}

func newAPIEnv(t *testing.T, opt privacy.Options) *apiEnv {
	t.Helper()
	f := newFixture(t, opt)
	ts := apitoken.NewStore(f.db)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, nil, ts, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	ctx, cancel := context.WithCancel(context.Background())
	listStore := optin.NewStore(f.db)
	lists := optin.NewAPI(ctx, &optin.API{Store: listStore, Contacts: f.cs, Jobs: jobs.NewStore(f.db)})
	httpapi.Mount(rt, &contacts.API{Store: f.cs, DB: f.db, Lists: listStore, Eraser: f.svc}, lists, privacy.NewAPI(f.svc))
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.Close(); cancel(); lists.Wait() })
	e := &apiEnv{fixture: f, t: t, url: hs.URL, tokens: map[string]string{}, rt: rt}
	for _, role := range apitoken.Roles {
		_, secret, err := ts.Create(t.Context(), role+" test", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

func (e *apiEnv) do(role, method, path string, body any) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

func TestOpenAPIFragment(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{})
	var routes []httpapi.Route
	for _, r := range e.rt.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/privacy/") {
			routes = append(routes, r)
		}
	}
	diff, err := httpapi.DiffOpenAPI(privacy.NewAPI(e.svc).OpenAPI(), routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	if _, err := httpapi.OpenAPI(privacy.NewAPI(e.svc)); err != nil {
		t.Errorf("merging the fragment into the document: %v", err)
	}
}

func TestRolesAndAudit(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{OneStarDays: 30})
	campaignID, listID := seedCampaign(t, e.fixture)
	s := seedSubject(t, e.fixture, "roles", campaignID, listID)
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/privacy/erasures"},
		{"GET", "/api/v1/privacy/contacts/1/export"},
		{"GET", "/api/v1/privacy/audit"},
		{"GET", "/api/v1/privacy/retention/preview"},
	}
	for _, r := range routes {
		for _, role := range []string{"marketer", "viewer"} {
			if code, raw, _ := e.do(role, r.method, r.path, map[string]any{"contact_id": s.ID}); code != 403 {
				t.Errorf("%s %s as %s: %d %s, want 403", r.method, r.path, role, code, raw)
			}
		}
		if code, _, _ := e.do("", r.method, r.path, nil); code != 401 {
			t.Errorf("%s %s without token: %d, want 401", r.method, r.path, code)
		}
	}
	var n int
	e.db.QueryRow(t.Context(), `SELECT count(*) FROM contacts WHERE id = $1`, s.ID).Scan(&n)
	if n != 1 {
		t.Fatal("a refused erasure erased the contact")
	}
	// Bad input names the field.
	for _, c := range []struct {
		body  any
		field string
	}{{map[string]any{}, "contact_id"}, {map[string]any{"contact_id": 1, "email": "a@b.c"}, "contact_id"}} {
		code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/erasures", c.body)
		if code != 422 || !strings.Contains(string(raw), `"field":"`+c.field+`"`) {
			t.Errorf("erasure %v: %d %s, want 422 naming %s", c.body, code, raw, c.field)
		}
	}
	if code, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/contacts/1/export?format=doc", nil); code != 422 || !strings.Contains(string(raw), `"field":"format"`) {
		t.Errorf("export format=doc: %d %s", code, raw)
	}
	// The privacy role exports (JSON, PDF), previews and erases by address; admin reads the audit log.
	if code, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/contacts/"+itoa(s.ID)+"/export", nil); code != 200 {
		t.Fatalf("export: %d %s", code, raw)
	}
	if code, raw, _ := e.do("admin", "GET", "/api/v1/privacy/retention/preview", nil); code != 200 {
		t.Fatalf("preview: %d %s", code, raw)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/erasures", map[string]any{"email": strings.ToUpper(s.Email)}); code != 200 {
		t.Fatalf("erasure by email: %d %s", code, raw)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": s.ID}); code != 404 {
		t.Errorf("erasing an erased contact: %d %s, want 404", code, raw)
	}
	code, raw, _ := e.do("admin", "GET", "/api/v1/privacy/audit", nil)
	if code != 200 {
		t.Fatalf("audit: %d %s", code, raw)
	}
	// The action filter takes the audit log's actions only, naming the field otherwise.
	if code, raw, _ := e.do("admin", "GET", "/api/v1/privacy/audit?action=erasure", nil); code != 422 || !strings.Contains(string(raw), `"field":"action"`) {
		t.Errorf("an unknown action filter: %d %s", code, raw)
	}
	if code, raw, _ := e.do("admin", "GET", "/api/v1/privacy/audit?action=erase", nil); code != 200 || !strings.Contains(string(raw), `"action":"erase"`) {
		t.Errorf("the erase filter: %d %s", code, raw)
	}
	var page struct{ Items []privacy.Entry }
	json.Unmarshal(raw, &page)
	var actions []string
	for _, it := range page.Items {
		actions = append(actions, it.Action+"/"+it.Cause)
		if !strings.HasPrefix(it.Actor, "token:") {
			t.Errorf("audit actor %q, want the token", it.Actor)
		}
	}
	want := []string{"export/json", "retention-preview/retention", "erase/request"}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Errorf("audit actions %v, want %v", actions, want)
	}
	for _, n := range s.needles() {
		if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(n)) {
			t.Errorf("the audit log holds %q", n)
		}
	}
	// DELETE /api/v1/contacts/{id} erases through the privacy service too.
	s2 := seedSubject(t, e.fixture, "del", campaignID, listID)
	if code, raw, _ := e.do("privacy", "DELETE", "/api/v1/contacts/"+itoa(s2.ID), nil); code != 204 {
		t.Fatalf("DELETE contact: %d %s", code, raw)
	}
	if found := searchDB(t, e.fixture, s2.needles()); len(found) > 0 {
		t.Errorf("DELETE /contacts left: %v", found)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestExportJSONAndPDF(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{})
	campaignID, listID := seedCampaign(t, e.fixture)
	s := seedSubject(t, e.fixture, "export", campaignID, listID)
	code, raw, hdr := e.do("privacy", "GET", "/api/v1/privacy/contacts/"+itoa(s.ID)+"/export", nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("export: %d %s %s", code, hdr.Get("Content-Type"), raw)
	}
	var ex struct {
		SchemaVersion int                         `json:"schema_version"`
		ContactID     int64                       `json:"contact_id"`
		Tables        map[string][]map[string]any `json:"tables"`
		References    privacy.References          `json:"references"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.ContactID != s.ID || ex.SchemaVersion != privacy.ExportSchemaVersion {
		t.Errorf("contact_id %d, schema_version %d; want %d, %d", ex.ContactID, ex.SchemaVersion, s.ID, privacy.ExportSchemaVersion)
	}
	if l := ex.References.Lists[itoa(listID)]; l.Name != "News" || l.LegalBasis != "consent" {
		t.Errorf("references.lists[%d] = %+v, want News with legal basis consent", listID, l)
	}
	if c := ex.References.Campaigns[itoa(campaignID)]; c.Name != "c" {
		t.Errorf("references.campaigns[%d] = %+v, want c", campaignID, c)
	}
	for _, p := range db.PersonalTables {
		rows, ok := ex.Tables[p.Table]
		if !ok {
			t.Errorf("export has no key for table %s", p.Table)
			continue
		}
		if len(rows) == 0 {
			t.Errorf("export of %s is empty; the seed put a row there", p.Table)
			continue
		}
		for _, c := range append(p.Columns, p.OtherColumns...) {
			if _, ok := rows[0][c]; !ok {
				t.Errorf("export %s rows lack column %s", p.Table, c)
			}
		}
	}
	if len(ex.Tables) != len(db.PersonalTables) {
		t.Errorf("export has %d tables, registry %d", len(ex.Tables), len(db.PersonalTables))
	}
	for _, n := range []string{s.Email, s.Name, s.IP, s.AttrValue, s.UA} {
		if !strings.Contains(string(raw), n) {
			t.Errorf("JSON export lacks %q", n)
		}
	}

	code, pdf, hdr := e.do("privacy", "GET", "/api/v1/privacy/contacts/"+itoa(s.ID)+"/export?format=pdf", nil)
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("pdf export: %d %s %.100q", code, hdr.Get("Content-Type"), pdf)
	}
	text := pdfText(t, pdf)
	for _, n := range []string{s.Email, s.Name, s.IP, s.AttrValue, s.UA, "Your personal data"} {
		if !strings.Contains(text, n) {
			t.Errorf("PDF text lacks %q", n)
		}
	}
	code, pdf, _ = e.do("privacy", "GET", "/api/v1/privacy/contacts/"+itoa(s.ID)+"/export?format=pdf&lang=de", nil)
	if code != 422 || !strings.Contains(string(pdf), "lang") {
		t.Errorf("lang=de: %d %s, want 422 naming lang", code, pdf)
	}
	var exports int
	e.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'export' AND target_id = $1`, s.ID).Scan(&exports)
	if exports != 2 {
		t.Errorf("audit log has %d export entries, want 2", exports)
	}
}

// A name or field with a character beyond the Basic Multilingual Plane (an
// emoji, as people type into the subscribe form) does not stop the PDF
// access report: the character shows as U+FFFD and the rest is there.
func TestExportPDFWithEmoji(t *testing.T) {
	e := newAPIEnv(t, privacy.Options{})
	c, err := e.cs.Create(t.Context(), contacts.New{Email: "emoji@example.org", Name: "Anna 🌸 Bloem",
		Attributes: map[string]any{"city": "Utrecht 🚲"}, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	code, pdf, hdr := e.do("privacy", "GET", "/api/v1/privacy/contacts/"+itoa(c.ID)+"/export?format=pdf", nil)
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("pdf export: %d %s %.200q", code, hdr.Get("Content-Type"), pdf)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"emoji@example.org", "Anna", "Bloem", "Utrecht"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}
