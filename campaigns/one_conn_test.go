package campaigns_test

import (
	"context"
	"testing"
	"time"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/db"
)

// A campaign write holds the From check's lock (identity.HoldFrom) in its
// transaction and checks the campaign on that transaction's connection: it
// needs one connection, never a second one while holding the first, so a
// busy pool (every other connection in a write of its own) cannot stall
// every write at once.
func TestCampaignWriteNeedsOneConnection(t *testing.T) {
	f := newFixture(t, nil)
	bg := context.Background()
	l := f.list("one-conn")
	small, err := db.Open(bg, f.db.Config().ConnString(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(small.Close)
	opt := f.opt
	opt.DB = small
	svc := campaigns.New(withReg(opt))
	// Another request holds one of the two connections.
	busy, err := small.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Rollback(bg)

	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	lists := []int64{l}
	c, err := svc.Create(ctx, campaigns.Input{Name: ptr("One"), Subject: ptr("One connection"), HTML: ptr("<p>Hi</p>"),
		FromName: ptr("News"), FromEmail: ptr("news@news.example.com"), ListIDs: &lists}, "test")
	if err != nil {
		t.Fatalf("create with one free connection: %v", err)
	}
	if _, err := svc.Update(ctx, c.ID, campaigns.Input{Subject: ptr("Still one")}); err != nil {
		t.Fatalf("update with one free connection: %v", err)
	}
	if _, err := svc.Schedule(ctx, c.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("schedule with one free connection: %v", err)
	}
	if _, err := svc.Duplicate(ctx, c.ID, "test"); err != nil {
		t.Fatalf("duplicate with one free connection: %v", err)
	}
}
