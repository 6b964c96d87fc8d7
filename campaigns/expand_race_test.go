package campaigns_test

import (
	"context"
	"testing"
	"time"
)

// TestEntriesReadBeforeExpansionCommits: an expansion adds its stream
// entries before it commits the delivery rows. A worker that reads those
// entries in between must not take them for duplicates and acknowledge
// them (the rows would stay queued with no entry, found only by the
// finish check's "missing from the Redis queue"): it waits for the
// expansion to commit and sends them. The expansion is held open at its
// last statement by a lock on the campaign's stats row.
func TestEntriesReadBeforeExpansionCommits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	f.contacts("x", 40, "confirmed", l)
	c := f.create("Hi", l)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	hold, err := f.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `SELECT 1 FROM campaign_stats WHERE campaign_id = $1 FOR UPDATE`, c.ID); err != nil {
		t.Fatal(err)
	}
	expanded := make(chan error, 1)
	go func() {
		_, err := f.svc.ExpandBatch(ctx, c.ID, 100)
		expanded <- err
	}()
	waitFor(t, 10*time.Second, func() bool {
		var waiting bool
		f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'UPDATE campaign_stats SET total%')`).Scan(&waiting)
		return waiting
	})
	key := f.prefix + "{c" + itoa(c.ID) + "}:q"
	if n := f.rdb.XLen(ctx, key).Val(); n != 40 {
		t.Fatalf("%d entries in the stream while the expansion is open, want 40: test is meaningless", n)
	}
	f.runSender(f.svc)
	// Give the workers time to read the entries while the rows are invisible.
	waitFor(t, 10*time.Second, func() bool {
		p, err := f.rdb.XPending(ctx, key, "send").Result()
		return err == nil && p.Count > 0 || f.rdb.XLen(ctx, key).Val() < 40
	})
	time.Sleep(200 * time.Millisecond)
	hold.Rollback(ctx)
	if err := <-expanded; err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { total, _, _ := f.sink.counts(); return total >= 40 })
	if total, distinct, dup := f.sink.counts(); total != 40 || distinct != 40 || dup != 0 {
		t.Fatalf("%d messages to %d recipients (%d duplicates), want 40 to 40", total, distinct, dup)
	}
	// The sink sees a message before the worker records it: wait for the
	// records, then check that none was left queued.
	var queued int64
	waitFor(t, 10*time.Second, func() bool {
		f.db.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND status = 'queued'`, c.ID).Scan(&queued)
		return queued == 0
	})
	if queued != 0 {
		t.Fatalf("%d deliveries still queued", queued)
	}
}

// TestExpansionNeverAddsARecipientTwice: expansion inserts delivery rows
// without ON CONFLICT (the campaign row lock and the cursor make a second
// row impossible). Should a row of a contact after the cursor exist all
// the same, the batch fails whole — no row, no stream entry, the cursor
// where it was — instead of queueing the contact a second time.
func TestExpansionNeverAddsARecipientTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	ids := f.contacts("y", 5, "confirmed", l)
	c := f.create("Hi", l)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id) VALUES ($1, $2)`, c.ID, ids[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ExpandBatch(ctx, c.ID, 100); err == nil {
		t.Fatal("expansion over an existing delivery row succeeded; want the batch to fail")
	}
	var rows, cursor int64
	f.db.QueryRow(ctx, `SELECT count(*), (SELECT expand_cursor FROM campaigns WHERE id = $1) FROM deliveries WHERE campaign_id = $1`,
		c.ID).Scan(&rows, &cursor)
	key := f.prefix + "{c" + itoa(c.ID) + "}:q"
	if n := f.rdb.XLen(ctx, key).Val(); rows != 1 || cursor != 0 || n != 0 {
		t.Fatalf("after the failed batch: %d delivery rows, cursor %d, %d stream entries; want 1, 0, 0", rows, cursor, n)
	}
}
