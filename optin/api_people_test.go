package optin_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// download GETs path as role and returns the status and the raw body.
func (e *env) download(role, path string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestContactsBulkReadAuditedAndExport: every page of the contact listing
// and every export is audited with the actor, filter and count; the export
// needs contacts.export; staff changes show in the contact's history.
func TestContactsBulkReadAuditedAndExport(t *testing.T) {
	e := newEnv(t)
	e.mustStatus(201, "marketer", "POST", "/api/v1/lists", map[string]any{"slug": "news", "name": "News", "purpose": "news", "optin": "single"}, nil)
	for _, m := range []string{"a@example.org", "b@example.org", "=c@example.org"} {
		e.do("marketer", "POST", "/api/v1/contacts", map[string]any{"email": strings.TrimPrefix(m, "="), "name": strings.TrimSuffix(m, "@example.org"),
			"lists": []string{"news"}, "consent": map[string]any{"source": "api", "purpose": "news"}}, nil)
	}
	var page struct{ Items []map[string]any }
	e.mustStatus(200, "privacy", "GET", "/api/v1/contacts?limit=2&status=active&email=a@example.org", nil, &page)
	e.mustStatus(403, "marketer", "GET", "/api/v1/contacts/export", nil, nil)
	code, raw := e.download("privacy", "/api/v1/contacts/export?list=news&format=csv")
	if code != 200 || strings.Count(raw, "\n") != 4 || !strings.Contains(raw, "'=c") {
		t.Fatalf("export: %d %q", code, raw)
	}
	type entry struct {
		Actor, Action, Cause string
		Count                int64
	}
	rows, _ := e.db.Query(t.Context(), `SELECT actor, action, cause, count FROM audit_log WHERE target_kind = 'contacts' ORDER BY id`)
	got, _ := pgx.CollectRows(rows, pgx.RowToStructByPos[entry])
	if len(got) != 2 || got[0].Action != "bulk-read" || got[0].Count != 1 || got[0].Cause != "status=active,email" ||
		!strings.HasPrefix(got[0].Actor, "token:") || got[1].Action != "bulk-export" || got[1].Count != 3 {
		t.Fatalf("audit: %+v", got)
	}
	if strings.Contains(got[0].Cause, "a@example.org") {
		t.Fatal("an address reached the audit log")
	}
	// The change history names the token that changed the contact.
	id := int64(page.Items[0]["id"].(float64))
	e.mustStatus(200, "marketer", "PATCH", "/api/v1/contacts/"+strconv.FormatInt(id, 10), map[string]any{"name": "A2"}, nil)
	var c struct {
		CreatedBy string `json:"created_by"`
		UpdatedBy string `json:"updated_by"`
	}
	var h struct {
		Items []struct {
			Actor  string
			Fields []string
		}
	}
	e.mustStatus(200, "marketer", "GET", "/api/v1/contacts/"+strconv.FormatInt(id, 10), nil, &c)
	e.mustStatus(200, "marketer", "GET", "/api/v1/contacts/"+strconv.FormatInt(id, 10)+"/history", nil, &h)
	if !strings.HasPrefix(c.CreatedBy, "token:") || c.UpdatedBy != c.CreatedBy || len(h.Items) != 1 || h.Items[0].Fields[0] != "name" {
		t.Fatalf("created_by %q updated_by %q history %+v", c.CreatedBy, c.UpdatedBy, h)
	}
}
