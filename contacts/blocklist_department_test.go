package contacts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
)

// TestBlocklistIsPerDepartment: the same address is a contact in two
// departments. Each department blocks it through its own token: each gets
// its own entry and sees only that one; B's unblock lifts B's entry and
// frees B's contact while A's entry and contact stay blocklisted.
func TestBlocklistIsPerDepartment(t *testing.T) {
	e := newAPIEnv(t)
	bg := context.Background()
	var sales int64
	if err := e.api.DB.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	ctxA, ctxB := access.WithDepartment(bg, access.DefaultDepartment), access.WithDepartment(bg, sales)
	_, secret, err := apitoken.NewStore(e.api.DB).Create(ctxB, "sales marketer", "marketer")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["sales"] = secret
	const addr = "shared@example.org"
	a, err := e.cs.Create(ctxA, contacts.New{Email: addr, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.cs.Create(ctxB, contacts.New{Email: addr, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	status := func(ctx context.Context, id int64) string {
		t.Helper()
		c, err := e.cs.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Status
	}

	if code, raw := e.do("marketer", "POST", "/api/v1/blocklist", `{"email":"`+addr+`","reason":"manual"}`); code != 201 {
		t.Fatalf("A blocks: %d %s", code, raw)
	}
	if status(ctxB, b.ID) != contacts.StatusActive {
		t.Fatal("A's block changed B's contact")
	}
	if blocked, err := e.cs.IsBlocked(ctxB, addr); err != nil || blocked {
		t.Fatalf("A's entry blocks the address in B: %v %v", blocked, err)
	}
	if code, raw := e.do("sales", "POST", "/api/v1/blocklist", `{"email":"`+addr+`","reason":"manual","note":"asked by phone"}`); code != 201 {
		t.Fatalf("B blocks: %d %s", code, raw)
	}
	if code, raw := e.do("sales", "GET", "/api/v1/blocklist", ""); code != 200 || strings.Count(raw, addr) != 1 || !strings.Contains(raw, "asked by phone") {
		t.Fatalf("B's blocklist after B blocked: %d %s", code, raw)
	}
	if status(ctxB, b.ID) != contacts.StatusBlocklisted {
		t.Fatal("B's block did not blocklist B's contact")
	}
	if code, raw := e.do("sales", "DELETE", "/api/v1/blocklist/"+addr, ""); code != 204 {
		t.Fatalf("B unblocks: %d %s", code, raw)
	}
	if status(ctxB, b.ID) != contacts.StatusActive {
		t.Error("B's contact stays blocklisted after B's unblock")
	}
	if status(ctxA, a.ID) != contacts.StatusBlocklisted {
		t.Error("B's unblock freed A's contact")
	}
	if code, raw := e.do("marketer", "GET", "/api/v1/blocklist", ""); code != 200 || strings.Count(raw, addr) != 1 {
		t.Errorf("A's blocklist after B's unblock: %d %s", code, raw)
	}
}
