package bounces

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/privacy"
)

// erasureEnv is the API env with the inbound listener and processor running
// and the privacy API mounted, two departments holding a contact of addr
// each (A the default, B sales), and a privacy token of B ("privacyB").
func erasureEnv(t *testing.T, addr string) (e *apiEnv, ctxA, ctxB context.Context, a, b contact) {
	e = newAPIEnv(t)
	e.listen(ListenerOptions{Stored: e.proc.Wake})
	e.run()
	// The bounces API beside the privacy API, on a server of their own.
	mux := http.NewServeMux()
	e.rt = httpapi.NewRouter(mux, testenv.Logger(t), apitoken.NewStore(e.db), httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(e.rt, e.mod, privacy.NewAPI(privacy.New(privacy.Options{DB: e.db, Contacts: e.cs, Log: testenv.Logger(t)})))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	e.url = hs.URL
	ctxA, ctxB, a, b = e.twoDepartments(addr)
	_, secret, err := apitoken.NewStore(e.db).Create(ctxB, "sales privacy", "privacy")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["privacyB"] = secret
	return e, ctxA, ctxB, a, b
}

// bounceOf delivers a DSN for c to its VERP address of no campaign (mail
// outside campaigns: an opt-in confirmation) through the listener, and
// returns the id of the bounce row the processor recorded for it.
func (e *apiEnv) bounceOf(c contact) int64 {
	e.t.Helper()
	if out := e.deliver(e.verp(c, 0), makeDSN(c.Email, "5.1.1", "550 5.1.1 <"+c.Email+">: user unknown", "")); out != "bounce" {
		e.t.Fatalf("DSN for contact %d: outcome %q, want bounce", c.ID, out)
	}
	var id int64
	if err := e.db.QueryRow(e.t.Context(), `SELECT id FROM bounces WHERE contact_id = $1 AND campaign_id IS NULL`, c.ID).Scan(&id); err != nil {
		e.t.Fatalf("bounce row of contact %d: %v", c.ID, err)
	}
	return id
}

// TestErasureByAnotherDepartmentReachesItsBounce: the shared inbound
// listener (system work) records a bounce of department B's contact on
// mail of no campaign. B's privacy officer erases the contact over the
// API: the erasure succeeds, the row keeps its statistics with the
// contact link, the address and the diagnostic gone, and it stays B's (A
// does not see it). A's contact of the same address and its bounce are
// untouched.
func TestErasureByAnotherDepartmentReachesItsBounce(t *testing.T) {
	const addr = "gone@example.org"
	e, ctxA, ctxB, a, b := erasureEnv(t, addr)
	rowA, rowB := e.bounceOf(a), e.bounceOf(b)
	if n := e.count(`SELECT count(*) FROM bounces WHERE id = $1 AND department_id = (SELECT department_id FROM contacts WHERE id = $2)`, rowB, b.ID); n != 1 {
		t.Errorf("the bounce of B's contact is not filed under B's department")
	}

	code, raw := e.do("privacyB", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": b.ID})
	if code != 200 {
		t.Fatalf("B erases its contact: %d %s", code, raw)
	}
	var contactID *int64
	var recipient *string
	var diagnostic, class, reason string
	if err := e.db.QueryRow(t.Context(), `SELECT contact_id, recipient, diagnostic, class, reason FROM bounces WHERE id = $1`, rowB).
		Scan(&contactID, &recipient, &diagnostic, &class, &reason); err != nil {
		t.Fatalf("the statistics row of the erased contact's bounce: %v", err)
	}
	if contactID != nil || recipient != nil || diagnostic != "" {
		t.Errorf("erased contact's bounce keeps personal data: contact %v, recipient %v, diagnostic %q", contactID, recipient, diagnostic)
	}
	if class != "hard" || reason == "" {
		t.Errorf("erasure lost the statistics: class %q reason %q", class, reason)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE contact_id = $1`, b.ID); n != 0 {
		t.Errorf("%d raw messages of the erased contact remain", n)
	}
	if n := e.count(`SELECT count(*) FROM contacts WHERE id = $1`, b.ID); n != 0 {
		t.Errorf("the contact was not erased")
	}
	seen := func(ctx context.Context, id int64) int {
		var n int
		if err := e.db.QueryRow(ctx, `SELECT count(*) FROM bounces WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if nb, na := seen(ctxB, rowB), seen(ctxA, rowB); nb != 1 || na != 0 {
		t.Errorf("the anonymised bounce: B sees it %d times, A %d; want 1 and 0", nb, na)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE id = $1 AND contact_id = $2 AND recipient = $3 AND diagnostic <> ''`, rowA, a.ID, addr); n != 1 {
		t.Errorf("B's erasure changed the bounce of A's contact of the same address")
	}
	if n := e.count(`SELECT count(*) FROM contacts WHERE id = $1`, a.ID); n != 1 {
		t.Errorf("B's erasure took A's contact")
	}
}

// TestErasureCannotReachAnotherDepartmentsBounce: B's privacy officer
// cannot erase A's contact, a write in B's scope neither anonymises,
// re-files nor deletes the bounce of A's contact, and B erasing its own
// contact of the same address leaves A's bounce whole.
func TestErasureCannotReachAnotherDepartmentsBounce(t *testing.T) {
	const addr = "kept@example.org"
	e, _, ctxB, a, _ := erasureEnv(t, addr)
	rowA := e.bounceOf(a)
	whole := func(when string) {
		t.Helper()
		if n := e.count(`SELECT count(*) FROM bounces WHERE id = $1 AND contact_id = $2 AND recipient = $3 AND diagnostic <> ''
			AND department_id = $4`, rowA, a.ID, addr, access.DefaultDepartment); n != 1 {
			t.Errorf("%s: B reached the bounce of A's contact", when)
		}
	}

	if code, raw := e.do("privacyB", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": a.ID}); code != 404 {
		t.Errorf("B erases A's contact: %d %s, want 404", code, raw)
	}
	if err := privacy.New(privacy.Options{DB: e.db, Contacts: e.cs}).Erase(ctxB, a.ID, privacy.CauseRetention, "test"); err == nil {
		t.Errorf("the privacy service erased A's contact in B's scope")
	}
	whole("erasing A's contact as B")
	for _, q := range []string{
		`UPDATE bounces SET contact_id = NULL, recipient = NULL, diagnostic = DEFAULT WHERE id = $1`,
		`UPDATE bounces SET department_id = postbode_department() WHERE id = $1`,
		`DELETE FROM bounces WHERE id = $1`,
	} {
		tag, err := e.db.Exec(ctxB, q, rowA)
		if err != nil {
			t.Fatalf("%s in B's scope: %v", q, err)
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("%s in B's scope changed A's bounce", q)
		}
	}
	whole("writing in B's scope")
	if code, raw := e.do("privacyB", "POST", "/api/v1/privacy/erasures", map[string]any{"email": addr}); code != 200 {
		t.Fatalf("B erases its own contact of the address: %d %s", code, raw)
	}
	whole("B erasing its own contact of the same address")
	if n := e.count(`SELECT count(*) FROM contacts WHERE id = $1`, a.ID); n != 1 {
		t.Errorf("B's erasure took A's contact")
	}
}
