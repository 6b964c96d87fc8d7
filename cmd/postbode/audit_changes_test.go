package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestCreatesAuditedWithTheirID: the audit entry of a created list, contact
// or campaign names the new object (target_id), as a change of one does;
// the answer's Location is the new object's address.
func TestCreatesAuditedWithTheirID(t *testing.T) {
	w := newRouteWorld(t)
	tok := w.tokens["admin"]
	for _, c := range []struct{ path, kind, body string }{
		{"/api/v1/lists", "list", `{"slug":"audited","name":"Audited","purpose":"news","optin":"single"}`},
		{"/api/v1/contacts", "contact", `{"email":"audited@example.org"}`},
		{"/api/v1/campaigns", "campaign", `{"name":"c","subject":"s","html":"<p>hi</p>","from_email":"news@a.example.org","lists":["audited"]}`},
	} {
		code, body := w.do(tok, "POST", c.path, c.body)
		if code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", c.path, code, body)
		}
		var created struct{ ID int64 }
		json.Unmarshal([]byte(body), &created)
		var target *int64
		if err := w.a.db.QueryRow(t.Context(), `SELECT target_id FROM audit_log WHERE cause = $1 ORDER BY id DESC LIMIT 1`,
			"POST "+c.path).Scan(&target); err != nil {
			t.Fatalf("POST %s: no audit entry: %v", c.path, err)
		}
		if target == nil || *target != created.ID || created.ID == 0 {
			t.Errorf("POST %s created %d; the audit entry names %v", c.path, created.ID, target)
		}
	}
}
