package bounces

import (
	"context"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/rtoken"
)

// twoDepartments makes sales (B) beside the default department (A), a
// marketer token of B (role "sales"), and the contact of addr in each.
func (e *apiEnv) twoDepartments(addr string) (ctxA, ctxB context.Context, a, b contact) {
	e.t.Helper()
	bg := context.Background()
	var sales int64
	if err := e.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		e.t.Fatal(err)
	}
	ctxA, ctxB = access.WithDepartment(bg, access.DefaultDepartment), access.WithDepartment(bg, sales)
	_, secret, err := apitoken.NewStore(e.db).Create(ctxB, "sales marketer", "marketer")
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens["sales"] = secret
	mk := func(ctx context.Context) contact {
		c, err := e.cs.Create(ctx, contacts.New{Email: addr, Source: "api"})
		if err != nil {
			e.t.Fatal(err)
		}
		return contact{c.ID, c.Email}
	}
	return ctxA, ctxB, mk(ctxA), mk(ctxB)
}

// TestSNSAddressInEveryDepartment: a signed SNS bounce naming only an
// address (no VERP return path) is applied to the contact holding it in
// every department: the topic belongs to the installation, not to one
// department, so no department can be picked.
func TestSNSAddressInEveryDepartment(t *testing.T) {
	e := newAPIEnv(t)
	const addr = "shared@example.org"
	_, _, a, b := e.twoDepartments(addr)
	msg := e.sns("Notification", sesBounceJSON("news@example.org", addr, "Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"), certURL, "2")
	if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", msg); code != 204 {
		t.Fatalf("SNS: %d %s", code, raw)
	}
	if sa, sb := e.state(a), e.state(b); sa.Hard != 1 || sb.Hard != 1 {
		t.Fatalf("SNS bounce by address: hard_bounces A %d, B %d, want 1 and 1", sa.Hard, sb.Hard)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE recipient = $1 AND source = 'webhook'`, addr); n != 2 {
		t.Errorf("%d bounce rows, want one per department's contact", n)
	}
}

// TestGenericWebhookInItsDepartment: B's generic webhook (B's token)
// applies a complaint to B's contact only, blocklisting the address in B
// alone; its uncorrelated event is evidence B sees and A does not.
func TestGenericWebhookInItsDepartment(t *testing.T) {
	e := newAPIEnv(t)
	const addr = "shared@example.org"
	ctxA, ctxB, a, b := e.twoDepartments(addr)
	body := map[string]any{"events": []map[string]any{
		{"type": "complaint", "recipient": addr},
		{"type": "bounce", "recipient": "nobody@example.org", "class": "hard"},
	}}
	code, raw := e.do("sales", "POST", "/api/v1/bounces/webhooks/generic", body)
	if code != 200 || !strings.Contains(string(raw), `"outcomes":["complaint","uncorrelated"]`) {
		t.Fatalf("B's generic webhook: %d %s", code, raw)
	}
	if sa, sb := e.state(a), e.state(b); !sb.Blocklisted || sa.Blocklisted || sa.Status != contacts.StatusActive {
		t.Errorf("B's complaint: A %+v, B %+v; want only B blocklisted", sa, sb)
	}
	if n := e.count(`SELECT count(*) FROM blocklist WHERE email_hash = $1`, e.cs.Hash(addr)); n != 1 {
		t.Errorf("%d blocklist entries for the address, want B's one", n)
	}
	seen := func(ctx context.Context) int {
		var n int
		if err := e.db.QueryRow(ctx, `SELECT count(*) FROM bounces WHERE recipient = 'nobody@example.org'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if nb, na := seen(ctxB), seen(ctxA); nb != 1 || na != 0 {
		t.Errorf("uncorrelated event of B's webhook: B sees %d, A sees %d; want 1 and 0", nb, na)
	}
}

// TestComplaintBlocklistsInItsContactsDepartment: a received complaint
// proven by its VERP token to answer B's mail blocklists the address in B
// only, though the inbound listener's processing is system work.
func TestComplaintBlocklistsInItsContactsDepartment(t *testing.T) {
	e := newAPIEnv(t)
	const addr = "shared@example.org"
	_, _, a, b := e.twoDepartments(addr)
	camp := e.campaign(nil, b)
	rep := &Report{Results: []Result{{Class: Complaint, Reason: "feedback", Recipient: addr}}, Original: map[string]string{}}
	if out := e.report(rep, &rtoken.Claims{Purpose: rtoken.Bounce, ContactID: b.ID, CampaignID: camp}); out.What != "complaint" {
		t.Fatalf("complaint outcome %+v", out)
	}
	var depts []int64
	rows, err := e.db.Query(context.Background(), `SELECT department_id FROM blocklist WHERE email_hash = $1`, e.cs.Hash(addr))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d int64
		rows.Scan(&d)
		depts = append(depts, d)
	}
	if sb, sa := e.state(b), e.state(a); !sb.Blocklisted || sa.Blocklisted || len(depts) != 1 || depts[0] == access.DefaultDepartment {
		t.Errorf("complaint on B's mail: A %+v, B %+v, entries in departments %v; want one entry, B's", sa, sb, depts)
	}
}
