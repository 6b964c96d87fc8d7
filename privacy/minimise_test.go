package privacy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/privacy"
)

// TestDataMinimisation: a hidden attribute disappears from marketers' API
// reads and from what mail templates get, stays for the privacy role, and
// is flagged in the inventory; deleting it physically from a list's
// contacts, after a dry run, and then from every contact, runs as an
// audited job and leaves no contact holding it.
func TestDataMinimisation(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{BatchSize: 2})
	ctx := t.Context()
	_, listID := seedCampaign(t, e.fixture)
	var ids []int64
	for i, email := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"} {
		c, err := e.cs.Create(ctx, contacts.New{Email: email, Source: "api", Attributes: map[string]any{"bsn": "12345678" + string(rune('0'+i)), "city": "Delft"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	e.exec(t, `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, $2, 'confirmed')`, ids[0], listID)

	if code, _, _ := e.do("marketer", "POST", "/api/v1/privacy/attributes/bsn/hide", nil); code != 403 {
		t.Errorf("marketer hid an attribute: %d", code)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/attributes/bsn/hide", map[string]string{"reason": "not needed for mailing"}); code != 204 {
		t.Fatalf("hide: %d %s", code, raw)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/attributes/b%20n/hide", nil); code != 422 {
		t.Errorf("bad key: %d %s", code, raw)
	}
	path := "/api/v1/contacts/" + itoa(ids[1])
	if _, raw, _ := e.do("marketer", "GET", path, nil); strings.Contains(string(raw), "bsn") || !strings.Contains(string(raw), "Delft") {
		t.Errorf("marketer reads %s", raw)
	}
	if _, raw, _ := e.do("marketer", "GET", "/api/v1/contacts", nil); strings.Contains(string(raw), "bsn") {
		t.Errorf("marketer lists %s", raw)
	}
	if _, raw, _ := e.do("privacy", "GET", path, nil); !strings.Contains(string(raw), "123456781") {
		t.Errorf("privacy reads %s", raw)
	}
	// What mail templates get (the campaigns' recipient query).
	var visible map[string]any
	if err := e.db.QueryRow(ctx, `SELECT `+contacts.VisibleAttributesSQL("c")+` FROM contacts c WHERE c.id = $1`, ids[1]).Scan(&visible); err != nil {
		t.Fatal(err)
	}
	if _, ok := visible["bsn"]; ok || visible["city"] != "Delft" {
		t.Errorf("template attributes %v", visible)
	}
	var inv privacy.Inventory
	e.getJSON("/api/v1/privacy/reports/inventory", &inv)
	found := false
	for _, f := range inv.Fields {
		if f.Field == "attributes.bsn" {
			found = f.Hidden && f.Filled == 4
		}
		if f.Field == "attributes.city" && f.Hidden {
			t.Error("city shown as hidden")
		}
	}
	if !found {
		t.Errorf("inventory does not show bsn hidden and filled 4: %+v", inv.Fields)
	}

	// Deletion: the scope is checked, a dry run counts and changes nothing.
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/attributes/bsn/delete", map[string]any{"all": true, "list_id": listID}); code != 422 || !strings.Contains(string(raw), `"all"`) {
		t.Errorf("two scopes: %d %s", code, raw)
	}
	var dry privacy.AttributeDeletion
	if err := jsonDo(e, 200, "/api/v1/privacy/attributes/bsn/delete", map[string]any{"list_id": listID, "dry_run": true}, &dry); err != nil || dry.Matched != 1 || dry.Job != nil {
		t.Fatalf("dry run %+v, %v", dry, err)
	}
	if n := countWith(t, e, "bsn"); n != 4 {
		t.Fatalf("dry run deleted: %d left", n)
	}
	for _, scope := range []map[string]any{{"list_id": listID}, {"all": true}} {
		var del privacy.AttributeDeletion
		if err := jsonDo(e, 202, "/api/v1/privacy/attributes/bsn/delete", scope, &del); err != nil || del.Job == nil {
			t.Fatalf("delete %v: %+v, %v", scope, del, err)
		}
		e.svc.Wait()
		job, err := jobs.NewStore(e.db).Get(ctx, del.Job.ID)
		if err != nil || job.Status != "done" || job.Applied != del.Matched {
			t.Errorf("job %+v, %v; want done with %d applied", job, err, del.Matched)
		}
	}
	if n := countWith(t, e, "bsn"); n != 0 {
		t.Errorf("%d contacts still hold bsn", n)
	}
	if n := countWith(t, e, "city"); n != 4 {
		t.Errorf("%d contacts hold city, want 4", n)
	}
	var audits []string
	rows, _ := e.db.Query(ctx, `SELECT action || ':' || count || ':' || cause FROM audit_log WHERE cause LIKE 'attribute %' ORDER BY id`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		audits = append(audits, s)
	}
	if got := strings.Join(audits, ","); got != "setting-change:1:attribute hidden: bsn,report:1:attribute deletion dry run: bsn,contact-change:1:attribute deleted: bsn,contact-change:3:attribute deleted: bsn" {
		t.Errorf("audit %s", got)
	}
}

func countWith(t *testing.T, e *apiEnv, key string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(t.Context(), `SELECT count(*) FROM contacts WHERE attributes ? $1`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func jsonDo(e *apiEnv, want int, path string, body, out any) error {
	e.t.Helper()
	return json.Unmarshal(e.mustDo(want, "privacy", "POST", path, body), out)
}
