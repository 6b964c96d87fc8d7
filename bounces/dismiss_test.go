package bounces

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestAPIBounceListAndDismiss: GET /api/v1/bounces lists the department's
// bounces newest first with filters (a bad one a 422 naming it) and the
// classifier rule of each; POST /api/v1/bounces/{id}/dismiss needs
// contacts.write, takes a counted hard bounce out of what counts (the
// contact made inactive by it becomes active again), is audited, and a
// second dismissal is a conflict.
func TestAPIBounceListAndDismiss(t *testing.T) {
	e := newAPIEnv(t)
	c := e.contact("rosa@example.org")
	r := ClassifyReply(550, "5.1.1", "5.1.1 <rosa@example.org>: Recipient address rejected: User unknown")
	r.Recipient, r.Action = c.Email, "failed"
	for range 3 {
		camp := e.campaign(nil, c)
		e.report(&Report{Results: []Result{r}}, claims(c, camp))
	}
	state := func() (status string, hard int) {
		t.Helper()
		if err := e.db.QueryRow(context.Background(), `SELECT status, hard_bounces FROM contacts WHERE id = $1`, c.ID).Scan(&status, &hard); err != nil {
			t.Fatal(err)
		}
		return
	}
	if st, hard := state(); st != "inactive" || hard != 3 {
		t.Fatalf("after three hard bounces: %s, %d", st, hard)
	}
	var page struct {
		Items      []Bounce `json:"items"`
		NextCursor string   `json:"next_cursor"`
	}
	code, raw := e.do("privacy", "GET", "/api/v1/bounces?class=hard&limit=2", nil)
	if code != 200 || json.Unmarshal(raw, &page) != nil || len(page.Items) != 2 || page.NextCursor == "" || page.Items[0].ID < page.Items[1].ID {
		t.Fatalf("bounces page 1: %d %s", code, raw)
	}
	if page.Items[0].Rule != r.Rule || r.Rule == "" || page.Items[0].StatusRule != r.StatusRule {
		t.Errorf("rule %q (%q), want %q (%q)", page.Items[0].Rule, page.Items[0].StatusRule, r.Rule, r.StatusRule)
	}
	newest := page.Items[0].ID
	code, raw = e.do("privacy", "GET", "/api/v1/bounces?class=hard&limit=2&cursor="+page.NextCursor, nil)
	page.Items = nil
	if code != 200 || json.Unmarshal(raw, &page) != nil || len(page.Items) != 1 || page.Items[0].ID >= newest {
		t.Fatalf("bounces page 2: %d %s", code, raw)
	}
	for q, field := range map[string]string{"class=purple": "class", "from=yesterday": "from", "campaign_id=-1": "campaign_id",
		"from=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z": "until"} {
		if code, raw := e.do("marketer", "GET", "/api/v1/bounces?"+q, nil); code != 422 || !strings.Contains(string(raw), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 422 naming %s", q, code, raw, field)
		}
	}
	if code, raw := e.do("marketer", "GET", "/api/v1/bounces?class=soft", nil); code != 200 || !strings.Contains(string(raw), `"items":[]`) {
		t.Errorf("no soft bounces: %d %s", code, raw)
	}
	if code, _ := e.do("viewer", "GET", "/api/v1/bounces", nil); code != 403 {
		t.Errorf("viewer listing bounces: %d, want 403", code)
	}

	path := fmt.Sprintf("/api/v1/bounces/%d/dismiss", newest)
	for _, role := range []string{"viewer", "privacy"} {
		if code, _ := e.do(role, "POST", path, nil); code != 403 {
			t.Errorf("%s dismissing: %d, want 403", role, code)
		}
	}
	var b Bounce
	code, raw = e.do("marketer", "POST", path, nil)
	if code != 200 || json.Unmarshal(raw, &b) != nil || b.DismissedAt == nil || b.Counted || !strings.HasPrefix(b.DismissedBy, "token:") {
		t.Fatalf("dismiss: %d %s", code, raw)
	}
	if st, hard := state(); st != "active" || hard != 2 {
		t.Errorf("after dismissing: %s, %d; want active, 2", st, hard)
	}
	var n int
	if err := e.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'bounce-dismiss' AND target_id = $1
		AND actor LIKE 'token:%'`, c.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audit entries of the dismissal (%v), want 1", n, err)
	}
	if code, raw := e.do("marketer", "POST", path, nil); code != 409 || !strings.Contains(string(raw), "bounce_dismissed") {
		t.Errorf("dismissing twice: %d %s", code, raw)
	}
	if code, raw := e.do("marketer", "GET", fmt.Sprintf("/api/v1/bounces/%d", newest), nil); code != 200 || !strings.Contains(string(raw), `"dismissed_at":"`) {
		t.Errorf("GET the dismissed bounce: %d %s", code, raw)
	}
	if code, _ := e.do("marketer", "POST", "/api/v1/bounces/999999/dismiss", nil); code != 404 {
		t.Errorf("dismissing an unknown bounce: %d, want 404", code)
	}
}

// TestAPIDismissKeepsSoftEscalation: a contact made inactive by the soft
// escalation rule (three soft bounces within the window) stays inactive
// when one soft bounce beyond the three is dismissed, also once the window
// has passed: the three that remain still made it inactive. Dismissing one
// of those three then reactivates it.
func TestAPIDismissKeepsSoftEscalation(t *testing.T) {
	e := newAPIEnv(t)
	c := e.contact("sanne@example.org")
	var ids []int64
	for range 4 {
		camp := e.campaign(nil, c)
		e.report(&Report{Results: []Result{{Recipient: c.Email, Class: Soft, Reason: "mailboxfull", Status: "5.2.2",
			ReplyCode: 552, Action: "failed", Diagnostic: "552 5.2.2 mailbox full"}}}, claims(c, camp))
	}
	rows, err := e.db.Query(t.Context(), `SELECT id FROM bounces WHERE contact_id = $1 AND counted ORDER BY id`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if rows.Close(); len(ids) != 4 {
		t.Fatalf("%d counted soft bounces, want 4", len(ids))
	}
	// Time passes: the bounces lie 40 days back, beyond the 30-day window.
	if _, err := e.db.Exec(t.Context(), `UPDATE bounces SET created_at = created_at - interval '40 days' WHERE contact_id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		var s string
		if err := e.db.QueryRow(t.Context(), `SELECT status FROM contacts WHERE id = $1`, c.ID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := status(); s != "inactive" {
		t.Fatalf("after four soft bounces: %s", s)
	}
	if code, raw := e.do("marketer", "POST", fmt.Sprintf("/api/v1/bounces/%d/dismiss", ids[3]), nil); code != 200 {
		t.Fatalf("dismiss the fourth: %d %s", code, raw)
	}
	if s := status(); s != "inactive" {
		t.Errorf("after dismissing a soft bounce beyond the three that escalated: %s, want inactive", s)
	}
	if code, raw := e.do("marketer", "POST", fmt.Sprintf("/api/v1/bounces/%d/dismiss", ids[1]), nil); code != 200 {
		t.Fatalf("dismiss the second: %d %s", code, raw)
	}
	if s := status(); s != "active" {
		t.Errorf("after dismissing one of the three that escalated: %s, want active", s)
	}
}

// TestAPIBounceRuleNamesNoAddress: the classifier rule a bounce keeps
// (bounces.rule, shown by GET /api/v1/bounces and the console) quotes only
// the words of the rule table that matched, never the receiver's text: a
// clause that names the recipient's choice also names the address, and
// rule is no personal column (erasure and the evidence expiry leave it).
func TestAPIBounceRuleNamesNoAddress(t *testing.T) {
	e := newAPIEnv(t)
	c := e.contact("sanne.de.vries@example.org")
	r := ClassifyReply(550, "5.1.1", "5.1.1 <sanne.de.vries@example.org>: user unknown, recipient sanne.de.vries@example.org rules refused the message")
	r.Recipient, r.Action = c.Email, "failed"
	e.report(&Report{Results: []Result{r}}, claims(c, e.campaign(nil, c)))
	code, raw := e.do("marketer", "GET", "/api/v1/bounces", nil)
	var page struct {
		Items []Bounce `json:"items"`
	}
	if code != 200 || json.Unmarshal(raw, &page) != nil || len(page.Items) != 1 {
		t.Fatalf("bounces: %d %s", code, raw)
	}
	if b := page.Items[0]; b.Rule == "" || strings.Contains(b.Rule, "sanne") || strings.Contains(b.StatusRule, "sanne") {
		t.Errorf("the bounce's rule quotes the receiver's text: %q / %q", b.Rule, b.StatusRule)
	}
}
