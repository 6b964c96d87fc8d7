package campaigns_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
)

// A department's campaigns render in its house style and send only from
// its domains; another department cannot send from them.
func TestDepartmentSendingIdentity(t *testing.T) {
	f := newFixture(t, nil)
	bg := context.Background()
	la := f.list("a-news")
	ca := f.contacts("a", 1, "confirmed", la)
	a := f.create("For A", la)
	r, err := f.svc.Preview(bg, a.ID, ca[0])
	if err != nil || !strings.Contains(r.HTML, "Example") {
		t.Fatalf("default department preview: %v\n%s", err, r.HTML)
	}

	var bee int64
	if err := f.db.QueryRow(bg, `INSERT INTO departments (slug, name, org_name, primary_color) VALUES ('bee', 'Bee', 'Bee Foundation', '#aa0000')
		RETURNING id`).Scan(&bee); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(bg, `INSERT INTO department_domains (domain, department_id) VALUES ('news.example.com', $1)`, bee); err != nil {
		t.Fatal(err)
	}
	ctxB := access.WithDepartment(bg, bee)
	var lb, cb int64
	if err := f.db.QueryRow(ctxB, `INSERT INTO lists (slug, name, purpose, optin) VALUES ('b-news', 'B', 'news', 'single') RETURNING id`).Scan(&lb); err != nil {
		t.Fatal(err)
	}
	if err := f.db.QueryRow(ctxB, `INSERT INTO contacts (email, name, source, updated_source) VALUES ('b1@example.org', 'B One', 'api', 'api') RETURNING id`).Scan(&cb); err != nil {
		t.Fatal(err)
	}
	in := campaigns.Input{Name: ptr("B"), Subject: ptr("For B"), HTML: ptr("<p>Hello</p>"),
		FromEmail: ptr("news@news.example.com"), ListIDs: &[]int64{lb}}
	b, err := f.svc.Create(ctxB, in, "test")
	if err != nil {
		t.Fatal(err)
	}
	r, err = f.svc.Preview(ctxB, b.ID, cb)
	if err != nil || !strings.Contains(r.HTML, "Bee Foundation") || !strings.Contains(r.HTML, "#aa0000") || strings.Contains(r.HTML, ">Example<") {
		t.Fatalf("B's preview is not in B's style: %v\n%s", err, r.HTML)
	}

	// The default department may no longer send from B's domain, nor B
	// from a domain it does not own.
	in.ListIDs = &[]int64{la}
	var fe *errs.Error
	if _, err := f.svc.Create(bg, in, "test"); !errors.As(err, &fe) || fe.Field != "from_email" {
		t.Fatalf("default department From B's domain: %v", err)
	}
	in.ListIDs, in.FromEmail = &[]int64{lb}, ptr("news@other.example.com")
	if _, err := f.svc.Create(ctxB, in, "test"); !errors.As(err, &fe) || fe.Field != "from_email" {
		t.Fatalf("B From a domain it does not own: %v", err)
	}
}
