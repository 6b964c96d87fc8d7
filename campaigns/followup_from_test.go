package campaigns_test

import (
	"context"
	"errors"
	"testing"

	"github.com/postbode/postbode/internal/errs"
)

// A follow-up sends from its parent's address, checked again: a domain
// another department has claimed since is refused, as for any campaign.
func TestFollowUpFromAClaimedDomain(t *testing.T) {
	f := newFixture(t, nil)
	bg := context.Background()
	l := f.list("fu-news")
	ids := f.contacts("fu", 2, "confirmed", l)
	parent := f.create("Parent", l)
	if _, err := f.svc.CreateFollowUp(bg, parent.ID, "Reminder", "Reminder", ids[:1]); err != nil {
		t.Fatalf("follow-up from the department's own domain: %v", err)
	}
	var bee int64
	if err := f.db.QueryRow(bg, `INSERT INTO departments (slug, name) VALUES ('bee', 'Bee') RETURNING id`).Scan(&bee); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(bg, `INSERT INTO department_domains (domain, department_id) VALUES ('news.example.com', $1)`, bee); err != nil {
		t.Fatal(err)
	}
	var fe *errs.Error
	if _, err := f.svc.CreateFollowUp(bg, parent.ID, "Reminder 2", "Reminder", ids[1:]); !errors.As(err, &fe) || fe.Field != "from_email" {
		t.Fatalf("follow-up from a domain another department owns: %v, want a from_email error", err)
	}
}
