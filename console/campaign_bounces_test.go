package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
)

// TestConsoleCampaignBounces: the results page links to the list of who
// bounced, which shows each bounce's recipient (linked to the contact),
// class, reason and the server's reply, a page at a time, and is audited
// as a bulk read of the campaign's bounces, as the API's list is. Without
// contacts.read the link is hidden and the list refused, unaudited.
func TestConsoleCampaignBounces(t *testing.T) {
	e := &adminEnv{benchEnv: newBenchEnv(t, 2, 2), t: t}
	e.st = e.h.Staff
	e.csrf = e.csrfOf(e.cookie)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	camp := strconv.FormatInt(e.campID, 10)
	if _, err := e.pool.Exec(ctx, `INSERT INTO bounces (contact_id, campaign_id, recipient, class, reason, status, diagnostic, source, counted) VALUES
		(1, $1, 'user1@example.org', 'hard', 'userunknown', '5.1.1', 'smtp; 550 5.1.1 Recipient address rejected: User unknown', 'dsn', true),
		(2, $1, 'user2@example.org', 'soft', 'mailboxfull', '4.2.2', 'smtp; 452 4.2.2 Mailbox full', 'dsn', false)`, e.campID); err != nil {
		t.Fatal(err)
	}
	audits := func() (n int) {
		t.Helper()
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'bulk-read' AND target_kind = 'campaign' AND target_id = $1`, e.campID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	list := "/console/campaigns/" + camp + "/bounces"
	body := wantStatus(t, "results", e.get("/console/campaigns/"+camp+"/results"), http.StatusOK)
	if !strings.Contains(body, `href="`+list+`"`) {
		t.Errorf("the results page does not link to who bounced:\n%.4000s", body)
	}
	if audits() != 0 {
		t.Fatal("the results page audited a bulk read")
	}
	body = wantStatus(t, "who bounced", e.get(list), http.StatusOK)
	for _, want := range []string{`<a href="/console/contacts/1">user1@example.org</a>`, `<a href="/console/contacts/2">user2@example.org</a>`,
		"Recipient address rejected: User unknown", "hard (address does not work)", "<td>mailbox full</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("who bounced lacks %q:\n%.4000s", want, body)
		}
	}
	var count int64
	if err := e.pool.QueryRow(ctx, `SELECT count FROM audit_log WHERE action = 'bulk-read' AND target_id = $1 ORDER BY id DESC LIMIT 1`, e.campID).Scan(&count); err != nil || count != 2 {
		t.Errorf("audit of the read: count %d, %v; want 2", count, err)
	}
	body = wantStatus(t, "first page of one", e.get(list+"?limit=1"), http.StatusOK)
	if !strings.Contains(body, "user1@example.org") || strings.Contains(body, "user2@example.org") || !strings.Contains(body, `rel="next"`) {
		t.Errorf("a page of one:\n%.4000s", body)
	}
	wantStatus(t, "unknown campaign", e.get("/console/campaigns/999999/bounces"), http.StatusNotFound)

	before := audits()
	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"stats"},
		"permissions": {"campaigns.read"}}), http.StatusSeeOther)
	_, c := e.login("stats@example.org", access.DefaultDepartment, "stats")
	body = wantStatus(t, "results without contacts.read", e.send("GET", "/console/campaigns/"+camp+"/results", nil, c), http.StatusOK)
	if strings.Contains(body, list) {
		t.Errorf("the link shows without contacts.read:\n%.4000s", body)
	}
	wantStatus(t, "who bounced without contacts.read", e.send("GET", list, nil, c), http.StatusForbidden)
	if audits() != before {
		t.Error("a refused read was audited")
	}
}
