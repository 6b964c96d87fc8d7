package bounces

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
)

// evidenceSeen lists the recipients of GET /api/v1/bounces/unauthenticated
// as the token role reads them.
func (e *apiEnv) evidenceSeen(role string) []string {
	e.t.Helper()
	code, raw := e.do(role, "GET", "/api/v1/bounces/unauthenticated?limit=100", nil)
	if code != 200 {
		e.t.Fatalf("%s lists the evidence: %d %s", role, code, raw)
	}
	var page struct {
		Items []Bounce `json:"items"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, b := range page.Items {
		if b.Recipient != nil {
			out = append(out, *b.Recipient)
		}
	}
	slices.Sort(out)
	return out
}

// TestEvidenceInTheDepartmentsOfItsContacts: the shared inbound listener
// keeps reports without proof as evidence. Evidence naming department B's
// contact is B's: A (the default department) does not list it, B does.
// An address that is a contact in both departments gives each its own row;
// an address that is nobody's contact stays with the default department.
// B's erasure of its contact takes the address out of B's evidence.
func TestEvidenceInTheDepartmentsOfItsContacts(t *testing.T) {
	const shared, onlyB, nobody = "shared@example.org", "only-b@example.org", "nobody@example.org"
	e, _, ctxB, _, _ := erasureEnv(t, shared)
	b, err := e.cs.Create(ctxB, contacts.New{Email: onlyB, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	// Spelled otherwise than the contact (the parser lower-cases it).
	for _, addr := range []string{shared, "Only-B@Example.ORG", nobody} {
		if out := e.deliver("postmaster@"+bounceDomain, forgedTextBounce(addr)); out != "unauthenticated" {
			t.Fatalf("report naming %s without proof: outcome %q, want unauthenticated", addr, out)
		}
	}
	if got, want := e.evidenceSeen("marketer"), []string{nobody, shared}; !slices.Equal(got, want) {
		t.Errorf("the default department lists the evidence of %v, want %v", got, want)
	}
	if got, want := e.evidenceSeen("sales"), []string{onlyB, shared}; !slices.Equal(got, want) {
		t.Errorf("department B lists the evidence of %v, want %v", got, want)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE outcome = 'unauthenticated'`); n != 4 {
		t.Errorf("%d evidence rows, want 4 (one per department naming its contact, one of nobody's)", n)
	}

	// B's access export of the contact shows the evidence filed with B.
	code, raw := e.do("privacyB", "GET", "/api/v1/privacy/contacts/"+strconv.FormatInt(b.ID, 10)+"/export", nil)
	if code != 200 {
		t.Fatalf("B exports its contact: %d %s", code, raw)
	}
	var ex struct {
		Tables map[string][]struct {
			Recipient *string `json:"recipient"`
			Outcome   string  `json:"outcome"`
		} `json:"tables"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	if rows := ex.Tables["bounces"]; len(rows) != 1 || rows[0].Recipient == nil || *rows[0].Recipient != onlyB || rows[0].Outcome != "unauthenticated" {
		t.Errorf("B's export of its contact shows bounces %s", raw)
	}

	code, raw = e.do("privacyB", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": b.ID})
	if code != 200 {
		t.Fatalf("B erases its contact: %d %s", code, raw)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE lower(recipient) = $1 OR diagnostic ILIKE '%'||$1||'%'`, onlyB); n != 0 {
		t.Errorf("%d evidence rows still name the erased address", n)
	}
	if got, want := e.evidenceSeen("sales"), []string{shared}; !slices.Equal(got, want) {
		t.Errorf("after the erasure B lists the evidence of %v, want %v", got, want)
	}
	if got, want := e.evidenceSeen("marketer"), []string{nobody, shared}; !slices.Equal(got, want) {
		t.Errorf("B's erasure changed the default department's evidence: %v, want %v", got, want)
	}
}

// TestScopedEvidenceStaysInItsDepartment: evidence a department's own
// intake records (its generic webhook, scoped by row-level security) is
// filed in that department, also when the address is another
// department's contact: the scope neither sees that contact nor may write
// into another department.
func TestScopedEvidenceStaysInItsDepartment(t *testing.T) {
	e := newAPIEnv(t)
	const addr = "a-only@example.org"
	ctxA, ctxB, _, _ := e.twoDepartments("both@example.org")
	if _, err := e.cs.Create(ctxA, contacts.New{Email: addr, Source: "api"}); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{addr, "both@example.org"} {
		tx, err := e.db.Begin(ctxB)
		if err != nil {
			t.Fatal(err)
		}
		if err := insertEvidence(ctxB, tx, event{Result: Result{Recipient: rcpt, Class: Hard}, Source: SourceWebhook}); err != nil {
			t.Fatalf("B's intake records evidence naming %s: %v", rcpt, err)
		}
		if err := tx.Commit(ctxB); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE outcome = 'unauthenticated' AND department_id = (SELECT id FROM departments WHERE slug = 'sales')`); n != 2 {
		t.Errorf("%d of B's evidence rows are filed under B, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE department_id = $1`, access.DefaultDepartment); n != 0 {
		t.Errorf("B's intake filed %d rows under the default department", n)
	}
}

// TestEvidenceOfAnIDNSpelling: a report without proof naming department
// B's contact with its domain in A-labels (jan@xn--bcher-kva.example for
// the stored jan@bücher.example) is B's evidence, not the default
// department's, and B's erasure of the contact takes it out.
func TestEvidenceOfAnIDNSpelling(t *testing.T) {
	const stored, reported = "jan@bücher.example", "jan@xn--bcher-kva.example"
	e, _, ctxB, _, _ := erasureEnv(t, "shared@example.org")
	b, err := e.cs.Create(ctxB, contacts.New{Email: stored, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if out := e.deliver("postmaster@"+bounceDomain, forgedTextBounce(reported)); out != "unauthenticated" {
		t.Fatalf("report without proof: outcome %q, want unauthenticated", out)
	}
	if got := e.evidenceSeen("marketer"); slices.Contains(got, stored) || slices.Contains(got, reported) {
		t.Errorf("the default department lists B's contact's evidence: %v", got)
	}
	if got := e.evidenceSeen("sales"); !slices.Equal(got, []string{stored}) {
		t.Errorf("department B lists the evidence of %v, want [%s]", got, stored)
	}
	code, raw := e.do("privacyB", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": b.ID})
	if code != 200 {
		t.Fatalf("B erases its contact: %d %s", code, raw)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE lower(recipient) IN ($1, $2)`, stored, reported); n != 0 {
		t.Errorf("%d evidence rows still name the erased address", n)
	}
}
