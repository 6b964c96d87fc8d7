package campaigns

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/testenv"
)

// TestSenderReadsStatesOnSignal: the sender reads the campaign states from
// Postgres only when a committed change was signalled through Redis (or
// statesRecheck passed, here an hour): a state changed in the database
// without the signal is not read on the next tick, Pause and Resume are,
// and so is the unsignalled change once any signal moves.
func TestSenderReadsStatesOnSignal(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	s := New(Options{DB: db, Redis: rdb, KeyPrefix: prefix, Log: testenv.Logger(t)})
	var list int64
	if err := db.QueryRow(ctx, `INSERT INTO lists (slug, name, purpose, optin) VALUES ('news', 'Nieuws', 'news', 'single') RETURNING id`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	newCampaign := func() int64 {
		c, err := s.Create(ctx, Input{Name: ptr("C"), Subject: ptr("S"), HTML: ptr("<p>x</p>"), FromName: ptr("F"),
			FromEmail: ptr("news@example.org"), ListIDs: &[]int64{list}}, "test")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	a, b := newCampaign(), newCampaign()
	x := s.NewSender()
	x.recheck = time.Hour
	running := func(want ...int64) {
		t.Helper()
		if err := x.refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := x.campaigns(); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("running campaigns %v, want %v", got, want)
		}
	}
	running()
	if _, err := s.Start(ctx, a); err != nil {
		t.Fatal(err)
	}
	running(a)
	// Started in the database directly: no signal, so not read yet.
	if _, err := db.Exec(ctx, `UPDATE campaigns SET status = 'running', started_at = now() WHERE id = $1`, b); err != nil {
		t.Fatal(err)
	}
	running(a)
	running(a)
	// Pause signals; the read then also finds b.
	if _, err := s.Pause(ctx, a); err != nil {
		t.Fatal(err)
	}
	running(b)
	if _, err := s.Resume(ctx, a); err != nil {
		t.Fatal(err)
	}
	running(a, b)
	// Without a signal, the states are read again after statesRecheck.
	if _, err := db.Exec(ctx, `UPDATE campaigns SET status = 'paused' WHERE id = $1`, b); err != nil {
		t.Fatal(err)
	}
	running(a, b)
	x.recheck = 0
	running(a)
}
