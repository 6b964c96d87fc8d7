package privacy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/privacy"
)

// TestPrivacyRegistersStayInTheirDepartment: legal holds, hidden
// attributes, breaches and processor agreements belong to a department. The
// privacy officer and administrator of another department neither see nor
// change them by id, a hold on every contact holds only its own
// department's contacts, and an attribute hidden in one department stays
// visible in the other.
func TestPrivacyRegistersStayInTheirDepartment(t *testing.T) {
	e := newAPIEnv(t, privacy.Options{})
	bg := context.Background()
	var sales int64
	if err := e.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	ctxA, ctxB := access.WithDepartment(bg, 1), access.WithDepartment(bg, sales)
	ts := apitoken.NewStore(e.db)
	for _, role := range []string{"privacy", "admin", "marketer"} {
		_, secret, err := ts.Create(ctxB, role+" of sales", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role+"B"] = secret
	}
	a, err := e.cs.Create(ctxA, contacts.New{Email: "a@example.org", Source: "api", Attributes: map[string]any{"birthday": "1990-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.cs.Create(ctxB, contacts.New{Email: "b@example.org", Source: "api", Attributes: map[string]any{"birthday": "1991-02-02"}})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(48 * time.Hour)
	id := func(raw []byte) string {
		var v struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(raw, &v)
		return itoa(v.ID)
	}
	// Department A's privacy officer records one of each.
	code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/holds", map[string]any{"contact_id": a.ID, "reason": "court case", "until": until})
	if code != 201 && code != 200 {
		t.Fatalf("hold: %d %s", code, raw)
	}
	holdA := id(raw)
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/holds", map[string]any{"all": true, "reason": "tax audit", "until": until}); code > 201 {
		t.Fatalf("hold all: %d %s", code, raw)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/attributes/birthday/hide", map[string]any{"reason": "not needed"}); code > 204 {
		t.Fatalf("hide: %d %s", code, raw)
	}
	code, raw, _ = e.do("privacy", "POST", "/api/v1/privacy/breaches", map[string]any{"discovered_at": time.Now().Add(-time.Hour), "nature": "laptop lost"})
	if code != 201 {
		t.Fatalf("breach: %d %s", code, raw)
	}
	breachA := id(raw)
	req, _ := http.NewRequest("POST", e.url+"/api/v1/privacy/processor-agreements?processor=Mailhost&filename=dpa.pdf", strings.NewReader("%PDF-1.4 signed"))
	req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ag struct {
		ID int64 `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&ag)
	resp.Body.Close()
	if resp.StatusCode != 201 || ag.ID == 0 {
		t.Fatalf("agreement: %d", resp.StatusCode)
	}

	// Department B sees none of it and reaches none of it by id.
	for _, path := range []string{"/api/v1/privacy/holds", "/api/v1/privacy/attributes/hidden", "/api/v1/privacy/breaches"} {
		code, raw, _ := e.do("privacyB", "GET", path, nil)
		if code != 200 || strings.Contains(string(raw), `"id"`) || strings.Contains(string(raw), "birthday") {
			t.Errorf("B lists %s: %d %s", path, code, raw)
		}
	}
	if code, raw, _ := e.do("adminB", "GET", "/api/v1/privacy/processor-agreements", nil); code != 200 || strings.Contains(string(raw), "Mailhost") {
		t.Errorf("B lists agreements: %d %s", code, raw)
	}
	for _, c := range []struct{ role, method, path string }{
		{"privacyB", "POST", "/api/v1/privacy/holds/" + holdA + "/release"},
		{"privacyB", "GET", "/api/v1/privacy/breaches/" + breachA},
		{"privacyB", "PATCH", "/api/v1/privacy/breaches/" + breachA},
		{"privacyB", "POST", "/api/v1/privacy/attributes/birthday/show"},
		{"adminB", "GET", "/api/v1/privacy/processor-agreements/" + itoa(ag.ID) + "/document"},
	} {
		var body any
		if c.method == "PATCH" {
			body = map[string]any{"measures": "taken over"}
		}
		if code, raw, _ := e.do(c.role, c.method, c.path, body); code != 404 {
			t.Errorf("%s %s by B: %d %s, want 404", c.method, c.path, code, raw)
		}
	}
	if code, raw, _ := e.do("privacyB", "POST", "/api/v1/privacy/holds", map[string]any{"contact_id": a.ID, "reason": "mine now", "until": until}); code != 404 {
		t.Errorf("B holds A's contact: %d %s, want 404", code, raw)
	}
	if code, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/breaches/"+breachA, nil); code != 200 || !strings.Contains(string(raw), "laptop lost") || strings.Contains(string(raw), "taken over") {
		t.Errorf("A's breach after B's attempts: %d %s", code, raw)
	}

	// A's attribute is hidden in A only; A's hold on every contact holds A's only.
	if code, raw, _ := e.do("marketerB", "GET", "/api/v1/contacts/"+itoa(b.ID), nil); code != 200 || !strings.Contains(string(raw), "1991-02-02") {
		t.Errorf("B's marketer reads B's contact: %d %s", code, raw)
	}
	if code, raw, _ := e.do("marketer", "GET", "/api/v1/contacts/"+itoa(a.ID), nil); code != 200 || strings.Contains(string(raw), "1990-01-01") {
		t.Errorf("A's marketer reads A's contact: %d %s", code, raw)
	}
	var visB, visA string
	if err := e.db.QueryRow(bg, `SELECT `+contacts.VisibleAttributesSQL("c")+`::text FROM contacts c WHERE id = $1`, b.ID).Scan(&visB); err != nil {
		t.Fatal(err)
	}
	e.db.QueryRow(bg, `SELECT `+contacts.VisibleAttributesSQL("c")+`::text FROM contacts c WHERE id = $1`, a.ID).Scan(&visA)
	if !strings.Contains(visB, "birthday") || strings.Contains(visA, "birthday") {
		t.Errorf("attributes as mail sees them: A %s, B %s", visA, visB)
	}
	if err := e.svc.Erase(ctxB, b.ID, "request", "test"); err != nil {
		t.Errorf("A's hold on every contact kept B's contact: %v", err)
	}
	if err := e.svc.Erase(ctxA, a.ID, "request", "test"); err == nil || !strings.Contains(err.Error(), "legal hold") {
		t.Errorf("A's contact erased under A's hold: %v", err)
	}
}
