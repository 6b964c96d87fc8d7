package bounces

import (
	"context"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
)

// TestWebhooksActInTheirDepartment: one address is a contact in the
// default department (A) and in sales (B).
//   - A signed SNS bounce naming only the address (no VERP) is applied to
//     the contact in every department holding it: the topic belongs to the
//     installation, not to one department.
//   - B's generic webhook (B's token) applies a complaint to B's contact
//     only, blocklisting the address in B alone; its uncorrelated event is
//     evidence B sees and A does not.
func TestWebhooksActInTheirDepartment(t *testing.T) {
	e := newAPIEnv(t)
	bg := context.Background()
	var sales int64
	if err := e.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	ctxA, ctxB := access.WithDepartment(bg, access.DefaultDepartment), access.WithDepartment(bg, sales)
	_, secret, err := apitoken.NewStore(e.db).Create(ctxB, "sales marketer", "marketer")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["sales"] = secret
	const addr = "shared@example.org"
	mk := func(ctx context.Context) contact {
		c, err := e.cs.Create(ctx, contacts.New{Email: addr, Source: "api"})
		if err != nil {
			t.Fatal(err)
		}
		return contact{c.ID, c.Email}
	}
	a, b := mk(ctxA), mk(ctxB)

	msg := e.sns("Notification", sesBounceJSON("news@example.org", addr, "Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"), certURL, "2")
	if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", msg); code != 204 {
		t.Fatalf("SNS: %d %s", code, raw)
	}
	if sa, sb := e.state(a), e.state(b); sa.Hard != 1 || sb.Hard != 1 {
		t.Fatalf("SNS bounce by address: hard_bounces A %d, B %d, want 1 and 1", sa.Hard, sb.Hard)
	}

	body := map[string]any{"events": []map[string]any{
		{"type": "complaint", "recipient": addr},
		{"type": "bounce", "recipient": "nobody@example.org", "class": "hard"},
	}}
	code, raw := e.do("sales", "POST", "/api/v1/bounces/webhooks/generic", body)
	if code != 200 || !strings.Contains(string(raw), `"outcomes":["complaint","uncorrelated"]`) {
		t.Fatalf("B's generic webhook: %d %s", code, raw)
	}
	if !e.state(b).Blocklisted || e.state(a).Blocklisted || e.state(a).Status != contacts.StatusActive {
		t.Fatalf("B's complaint: A %+v, B %+v; want only B blocklisted", e.state(a), e.state(b))
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
