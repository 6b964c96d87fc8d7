package campaigns_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/errs"
)

// TestSchedulingAndMissedGrace: a scheduled campaign starts by itself when
// due; one whose send_at passed longer ago than the grace gets missed_at and
// waits for an explicit start; a past send_at is refused.
func TestSchedulingAndMissedGrace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) { o.MissedGrace = time.Hour })
	ctx := context.Background()
	l := f.list("news")
	f.contacts("s", 3, "confirmed", l)

	c := f.create("Due soon", l)
	if _, err := f.svc.Schedule(ctx, c.ID, time.Now().Add(-time.Minute)); !isInvalid(err, "send_at") {
		t.Errorf("past send_at: %v, want invalid send_at", err)
	}
	sc, err := f.svc.Schedule(ctx, c.ID, time.Now().Add(400*time.Millisecond))
	if err != nil || sc.Status != campaigns.StateScheduled {
		t.Fatalf("schedule: %+v %v", sc, err)
	}
	// Not yet due: the scheduler leaves it.
	if err := f.svc.ScheduleOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, c.ID); got.Status != campaigns.StateScheduled {
		t.Fatalf("started before send_at: %s", got.Status)
	}
	// Edits of a scheduled campaign are allowed.
	if _, err := f.svc.Update(ctx, c.ID, campaigns.Input{Name: ptr("Renamed")}); err != nil {
		t.Errorf("update scheduled: %v", err)
	}

	// Missed by more than the grace (downtime): set in the database directly.
	missed := f.create("Missed", l)
	f.svc.Schedule(ctx, missed.ID, time.Now().Add(time.Hour))
	f.db.Exec(ctx, `UPDATE campaigns SET send_at = now() - interval '2 hours' WHERE id = $1`, missed.ID)
	// Missed within the grace: still starts.
	late := f.create("Late", l)
	f.svc.Schedule(ctx, late.ID, time.Now().Add(time.Hour))
	f.db.Exec(ctx, `UPDATE campaigns SET send_at = now() - interval '10 minutes' WHERE id = $1`, late.ID)

	f.runScheduler()
	f.runSender(f.svc)
	f.waitStatus(c.ID, campaigns.StateFinished, 20*time.Second)
	f.waitStatus(late.ID, campaigns.StateFinished, 20*time.Second)
	m, _ := f.svc.Get(ctx, missed.ID)
	if m.Status != campaigns.StateScheduled || m.MissedAt == nil {
		t.Fatalf("missed campaign: status %s, missed_at %v; want scheduled with missed_at", m.Status, m.MissedAt)
	}
	time.Sleep(200 * time.Millisecond)
	if m, _ = f.svc.Get(ctx, missed.ID); m.Status != campaigns.StateScheduled {
		t.Fatalf("missed campaign started by itself")
	}
	if _, err := f.svc.Start(ctx, missed.ID); err != nil {
		t.Fatal(err)
	}
	m = f.waitStatus(missed.ID, campaigns.StateFinished, 20*time.Second)
	if m.MissedAt != nil {
		t.Errorf("missed_at kept after an explicit start")
	}
	if f.sink.count(email("s", 1)) != 3 {
		t.Errorf("contact got %d messages, want 3 (one per campaign)", f.sink.count(email("s", 1)))
	}
}

// TestCreateFollowUp: a follow-up copies the parent and reaches only its
// audience (that is still eligible).
func TestCreateFollowUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	ids := f.contacts("f", 10, "confirmed", l)
	parent := f.create("Parent", l)
	if _, err := f.svc.CreateFollowUp(ctx, parent.ID, "Reminder", "Reminder", nil); !isInvalid(err, "contact_ids") {
		t.Errorf("empty audience: %v", err)
	}
	if _, err := f.svc.CreateFollowUp(ctx, 9999, "Reminder", "Reminder", ids); !errors.Is(err, campaigns.ErrNotFound) && !isNotFound(err) {
		t.Errorf("unknown parent: %v", err)
	}
	// ids[2] twice, a contact that does not exist (erased) ignored.
	id, err := f.svc.CreateFollowUp(ctx, parent.ID, "Reminder", "Still right, {{.Contact.Name}}?", []int64{ids[1], ids[2], ids[2], ids[5], 987654})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.svc.Get(ctx, id)
	if c.Status != campaigns.StateDraft || c.ParentID == nil || *c.ParentID != parent.ID || !c.HasAudience ||
		c.FromEmail != parent.FromEmail || c.HTML != parent.HTML || len(c.ListIDs) != 1 {
		t.Fatalf("follow-up %+v", c)
	}
	f.db.Exec(ctx, `UPDATE subscriptions SET status = 'unsubscribed' WHERE contact_id = $1`, ids[5])
	f.runScheduler()
	f.runSender(f.svc)
	f.svc.Start(ctx, id)
	f.waitStatus(id, campaigns.StateFinished, 20*time.Second)
	if total, _, _ := f.sink.counts(); total != 2 || f.sink.count(email("f", 2)) != 1 || f.sink.count(email("f", 3)) != 1 {
		t.Errorf("follow-up reached %d, want contacts 2 and 3 only", total)
	}
}

func isInvalid(err error, field string) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.KindInvalid && e.Field == field
}

func isNotFound(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.KindNotFound
}

// TestExpansionOneLeaderNoGapsNoDuplicates: two schedulers expanding the
// same campaign at once (as two nodes would) queue every recipient exactly
// once: the campaign's row lock lets one batch at a time through, and each
// batch continues from the cursor the previous one committed.
func TestExpansionOneLeaderNoGapsNoDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	ids := f.contacts("e", 2500, "confirmed", l)
	f.contacts("x", 300, "unconfirmed", l) // interleaved ids that are not recipients
	later := f.contacts("e2-", 500, "confirmed", l)
	c := f.create("Hi", l)
	f.svc.Start(ctx, c.ID)
	other := campaigns.New(withReg(f.opt))
	var wg sync.WaitGroup
	for _, s := range []*campaigns.Service{f.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				more, err := s.ExpandBatch(ctx, c.ID, 97)
				if err != nil {
					t.Error(err)
					return
				}
				if !more {
					// Another node may hold the lock: only stop once expanded.
					if got, _ := s.Get(ctx, c.ID); got.ExpandedAt != nil {
						return
					}
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	want := map[int64]bool{}
	for _, id := range append(ids, later...) {
		want[id] = true
	}
	msgs, err := f.rdb.XRange(ctx, f.prefix+"{c"+itoa(c.ID)+"}:q", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, m := range msgs {
		id, _ := strconv.ParseInt(m.Values["c"].(string), 10, 64)
		seen[id]++
		if !want[id] {
			t.Errorf("contact %d queued but not a recipient", id)
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("contact %d queued %d times", id, seen[id])
		}
	}
	if st := f.stats(c.ID); st.Total != int64(len(want)) || !st.Expanded {
		t.Errorf("stats %+v, want total %d", st, len(want))
	}
}
