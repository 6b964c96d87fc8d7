package campaigns_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/errs"
)

// TestPauseResumeCancel: a pause stops every worker within a tick or two and
// keeps the queue; resume sends the rest exactly once; cancel marks what was
// not sent cancelled and drops the queue.
func TestPauseResumeCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) { o.Workers, o.BatchSize = 2, 5 })
	ctx := context.Background()
	l := f.list("news")
	n := 150
	f.contacts("p", n, "confirmed", l)
	f.sink.set(nil, 5*time.Millisecond)
	c := f.create("Hi", l)
	f.runScheduler()
	f.runSender(f.svc)
	f.svc.Start(ctx, c.ID)
	waitFor(t, 10*time.Second, func() bool { total, _, _ := f.sink.counts(); return total >= 20 })
	if _, err := f.svc.Pause(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a few ticks: in-flight batches end
	atPause, _, _ := f.sink.counts()
	time.Sleep(500 * time.Millisecond)
	if later, _, _ := f.sink.counts(); later != atPause {
		t.Fatalf("paused campaign still sending: %d then %d", atPause, later)
	}
	if atPause >= n {
		t.Fatalf("everything was sent before the pause took effect; test is meaningless")
	}
	if st := f.stats(c.ID); st.Status != "paused" || st.Queued+st.Deferred == 0 {
		t.Errorf("paused stats %+v: want work kept", st)
	} else if want := float64(st.Sent) * 100 / float64(n); st.Total != int64(n) || st.Progress != want ||
		st.Rate <= 0 || st.ETASeconds == nil || *st.ETASeconds <= 0 {
		t.Errorf("paused stats %+v: want total %d, progress %.1f, a rate and an ETA", st, n, want)
	}
	// The kept work shows in the queue metrics.
	if got := gauge(f, "postbode_queue_depth", "ready"); got <= 0 {
		t.Errorf("postbode_queue_depth{state=ready} = %v while paused with work queued", got)
	}
	// A paused campaign cannot be paused again or edited: 409.
	if _, err := f.svc.Pause(ctx, c.ID); !isConflict(err) {
		t.Errorf("pause twice: %v, want a conflict", err)
	}
	if _, err := f.svc.Update(ctx, c.ID, campaigns.Input{Name: ptr("x")}); !isConflict(err) {
		t.Errorf("update paused: %v, want a conflict", err)
	}
	if _, err := f.svc.Resume(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)
	if total, distinct, dup := f.sink.counts(); total != n || distinct != n || dup != 0 {
		t.Errorf("after resume: %d messages, %d recipients, %d duplicates; want %d once each", total, distinct, dup, n)
	}
	if _, err := f.svc.Pause(ctx, c.ID); !isConflict(err) || !strings.Contains(err.Error(), "finished") {
		t.Errorf("pausing a finished campaign: %v", err)
	}

	// Cancel a running campaign.
	c2 := f.create("Second", l)
	f.svc.Start(ctx, c2.ID)
	before, _, _ := f.sink.counts()
	waitFor(t, 10*time.Second, func() bool { total, _, _ := f.sink.counts(); return total >= before+10 })
	if _, err := f.svc.Cancel(ctx, c2.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c2.ID, campaigns.StateCancelled, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	st := f.stats(c2.ID)
	if st.Cancelled == 0 || st.Sent+st.Cancelled != st.Total || st.Queued != 0 {
		t.Errorf("cancelled stats %+v: want sent + cancelled = total", st)
	}
	after, _, _ := f.sink.counts()
	if got := int64(after - before); got < st.Sent || got > st.Sent+int64(f.opt.Workers*f.opt.BatchSize) {
		t.Errorf("sink got %d of the cancelled campaign, stats say sent %d", got, st.Sent)
	}
	if n, _ := f.rdb.Exists(ctx, f.prefix+"{c"+itoa(c2.ID)+"}:q", f.prefix+"{c"+itoa(c2.ID)+"}:retry").Result(); n != 0 {
		t.Errorf("queue keys left after cancel")
	}
	if _, err := f.svc.Resume(ctx, c2.ID); !isConflict(err) {
		t.Errorf("resume cancelled: %v", err)
	}
}

// TestRetryGiveUpAndBounce: 4xx is retried with backoff until accepted or
// given up (failed); 5xx becomes a bounce, counted once and handed to the
// BounceRecorder.
func TestRetryGiveUpAndBounce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) {
		o.RetryBase, o.GiveUpAfter = 100*time.Millisecond, 1500*time.Millisecond
	})
	ctx := context.Background()
	l := f.list("news")
	f.contacts("ok", 5, "confirmed", l)
	flaky := f.contacts("flaky", 1, "confirmed", l)
	f.contacts("soft", 1, "confirmed", l)
	hard := f.contacts("hard", 2, "confirmed", l)
	f.sink.set(func(rcpt string, try int) error {
		switch {
		case strings.HasPrefix(rcpt, "flaky") && try <= 2:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "busy"}
		case strings.HasPrefix(rcpt, "soft"):
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
		case strings.HasPrefix(rcpt, "hard"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}, 0)
	c := f.create("Hi", l)
	f.runScheduler()
	f.runSender(f.svc)
	f.svc.Start(ctx, c.ID)
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)
	st := f.stats(c.ID)
	if st.Sent != 6 || st.Bounced != 2 || st.Failed != 1 || st.Deferred != 0 || st.Retries < 3 {
		t.Errorf("stats %+v: want sent 6 (5 + flaky), bounced 2, failed 1 (soft gave up), retries >= 3", st)
	}
	if f.sink.count(email("flaky", 1)) != 1 {
		t.Errorf("flaky recipient got %d messages, want 1", f.sink.count(email("flaky", 1)))
	}
	calls := f.bl.list()
	if len(calls) != 2 || !strings.HasSuffix(calls[0], " 550 5.1.1") {
		t.Errorf("BounceRecorder calls %v, want 2 with 550 5.1.1", calls)
	}
	var attempts int
	var lastErr string
	f.db.QueryRow(ctx, `SELECT attempts, last_error FROM deliveries WHERE campaign_id = $1 AND contact_id = $2`, c.ID, hard[0]).Scan(&attempts, &lastErr)
	if attempts != 1 || !strings.Contains(lastErr, "550") {
		t.Errorf("hard bounce delivery: attempts %d, last_error %q", attempts, lastErr)
	}
	var status string
	f.db.QueryRow(ctx, `SELECT status, attempts FROM deliveries WHERE campaign_id = $1 AND contact_id = $2`, c.ID, flaky[0]).Scan(&status, &attempts)
	if status != "sent" || attempts != 3 {
		t.Errorf("flaky delivery: %s after %d attempts, want sent after 3", status, attempts)
	}
	if messages(f, "deferred") < 3 || messages(f, "failed") != 1 || messages(f, "bounced") != 2 {
		t.Errorf("postbode_messages_total: deferred %v failed %v bounced %v", messages(f, "deferred"), messages(f, "failed"), messages(f, "bounced"))
	}
}

// TestKilledWorkerLosesNothing: a sender killed mid-batch leaves its
// entries pending; another sender claims them; every recipient gets the
// message, and only the killed sender's in-flight messages may go twice.
func TestKilledWorkerLosesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) {
		o.Workers, o.BatchSize, o.ClaimIdle = 3, 10, 400*time.Millisecond
	})
	ctx := context.Background()
	l := f.list("news")
	n := 200
	f.contacts("k", n, "confirmed", l)
	f.sink.set(nil, 3*time.Millisecond)
	c := f.create("Hi", l)
	f.runScheduler()
	kill := f.runSender(f.svc)
	f.svc.Start(ctx, c.ID)
	waitFor(t, 10*time.Second, func() bool { total, _, _ := f.sink.counts(); return total >= 40 })
	kill() // mid-batch: deliveries in flight are cut, nothing more is recorded or acknowledged
	killedAt, _, _ := f.sink.counts()
	pending, _ := f.rdb.XPending(ctx, f.prefix+"{c"+itoa(c.ID)+"}:q", "send").Result()
	if pending == nil || pending.Count == 0 {
		t.Logf("no pending entries at the kill (batch boundary); the reclaim path is not exercised this run")
	}
	if killedAt >= n {
		t.Fatal("everything was sent before the kill; test is meaningless")
	}
	second := campaigns.New(withReg(f.opt))
	f.runSender(second)
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)
	total, distinct, dup := f.sink.counts()
	if distinct != n {
		t.Fatalf("%d of %d recipients got the message", distinct, n)
	}
	if inflight := f.opt.Workers * f.opt.BatchSize; dup > inflight {
		t.Errorf("%d duplicates, more than the %d messages in flight at the kill", dup, inflight)
	}
	st := f.stats(c.ID)
	if st.Sent != int64(n) {
		t.Errorf("stats %+v: want sent %d (each counted once)", st, n)
	}
	t.Logf("killed after %d messages; %d pending entries reclaimed; %d total, %d duplicates", killedAt, pendingCount(pending), total, dup)
}

// TestIneligibleAfterQueueingIsSkipped: contacts who unsubscribe, are
// blocklisted or erased after their delivery was queued are skipped.
func TestIneligibleAfterQueueingIsSkipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	ids := f.contacts("q", 20, "confirmed", l)
	c := f.create("Hi", l)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ScheduleOnce(ctx); err != nil { // expands; no sender runs yet
		t.Fatal(err)
	}
	if st := f.stats(c.ID); st.Total != 20 || !st.Expanded {
		t.Fatalf("after expansion: %+v", st)
	}
	f.db.Exec(ctx, `UPDATE subscriptions SET status = 'unsubscribed' WHERE contact_id = ANY($1)`, ids[:3])
	f.db.Exec(ctx, `UPDATE contacts SET status = 'blocklisted' WHERE id = $1`, ids[3])
	// Erasure as privacy.EraseTx does it: the delivery is anonymised, the contact deleted.
	f.db.Exec(ctx, `UPDATE deliveries SET contact_id = NULL, last_error = NULL WHERE contact_id = $1`, ids[4])
	f.db.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, ids[4])
	f.runScheduler()
	f.runSender(f.svc)
	f.waitStatus(c.ID, campaigns.StateFinished, 20*time.Second)
	for i := 0; i < 5; i++ {
		if f.sink.count(email("q", i+1)) != 0 {
			t.Errorf("contact %d was mailed after becoming ineligible", i+1)
		}
	}
	if total, _, _ := f.sink.counts(); total != 15 {
		t.Errorf("sink got %d, want 15", total)
	}
	if st := f.stats(c.ID); st.Sent != 15 || st.Skipped != 5 || st.Queued != 0 {
		t.Errorf("stats %+v: want sent 15, skipped 5", st)
	}
}

func withReg(o campaigns.Options) campaigns.Options {
	o.Reg = nil // a second process: its own registry
	o.Consumer = "second-node"
	return o
}

func pendingCount(p *redis.XPending) int64 {
	if p == nil {
		return 0
	}
	return p.Count
}

func isConflict(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.KindConflict
}

func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gauge returns the value of a gauge with one label from the fixture's registry.
func gauge(f *fixture, name, label string) float64 {
	mfs, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

// TestQueueRepairs: entries left twice in the stream (an expansion that
// crashed between adding them and committing) are sent once, and pending
// deliveries lost from Redis (a Redis restart without persistence) are
// queued again by the scheduler, so the campaign still reaches everyone.
func TestQueueRepairs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	ids := f.contacts("r", 60, "confirmed", l)
	c := f.create("Hi", l)
	f.svc.Start(ctx, c.ID)
	if err := f.svc.ScheduleOnce(ctx); err != nil {
		t.Fatal(err)
	}
	key := f.prefix + "{c" + itoa(c.ID) + "}:q"
	// Duplicates of the first 10 entries.
	for _, id := range ids[:10] {
		f.rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"c", itoa(id)}})
	}
	f.runScheduler()
	f.runSender(f.svc)
	f.waitStatus(c.ID, campaigns.StateFinished, 20*time.Second)
	if total, distinct, dup := f.sink.counts(); total != 60 || distinct != 60 || dup != 0 {
		t.Fatalf("with duplicate entries: %d messages, %d recipients, %d duplicates", total, distinct, dup)
	}

	// Lose the queue of a second campaign after expansion.
	f.sink.set(nil, 30*time.Millisecond) // slow: most are still queued at the loss
	c2 := f.create("Again", l)
	f.svc.Start(ctx, c2.ID)
	waitFor(t, 5*time.Second, func() bool { st := f.stats(c2.ID); return st.Expanded })
	f.svc.Pause(ctx, c2.ID)
	time.Sleep(300 * time.Millisecond)
	f.rdb.Del(ctx, f.prefix+"{c"+itoa(c2.ID)+"}:q")
	if st := f.stats(c2.ID); st.Queued == 0 {
		t.Fatalf("nothing was queued when the queue was lost; test is meaningless: %+v", st)
	}
	f.sink.set(nil, 0)
	f.svc.Resume(ctx, c2.ID)
	f.waitStatus(c2.ID, campaigns.StateFinished, 20*time.Second)
	if total, distinct, _ := f.sink.counts(); distinct != 60 || total != 120 {
		t.Errorf("after losing the queue: %d messages (want 120 = 60 per campaign)", total)
	}
	if st := f.stats(c2.ID); st.Sent != 60 {
		t.Errorf("stats after losing the queue: %+v", st)
	}
}

// TestSlowBatchIsNotReclaimed: a live worker whose batch takes longer than
// ClaimIdle (a slow server, throttles) keeps its entries; another node does
// not take them over and send them again.
func TestSlowBatchIsNotReclaimed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) {
		o.Workers, o.BatchSize, o.ClaimIdle = 1, 20, 300*time.Millisecond
	})
	ctx := context.Background()
	l := f.list("news")
	f.contacts("slow", 60, "confirmed", l)
	f.sink.set(nil, 25*time.Millisecond) // 20 messages: 500 ms per batch
	c := f.create("Hi", l)
	f.runScheduler()
	f.runSender(f.svc)
	f.runSender(campaigns.New(withReg(f.opt)))
	f.svc.Start(ctx, c.ID)
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)
	if total, distinct, dup := f.sink.counts(); distinct != 60 || dup != 0 {
		t.Errorf("%d messages to %d recipients, %d duplicates; want 60 once each", total, distinct, dup)
	}
}

// TestLocalRefusalIsNoBounce: a contact whose quoted local part holds a
// space ("john smith"@example.org, legal in RCPT TO) gets the message; one
// this client refuses itself before any server answers (a non-ASCII local
// part, and the sink offers no SMTPUTF8) is failed, not bounced, and never
// handed to the bounce logic: no server said the mailbox is dead.
func TestLocalRefusalIsNoBounce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	l := f.list("news")
	f.contacts("ok", 2, "confirmed", l)
	var ids []int64
	for _, e := range []string{`"john smith"@example.org`, "jösé@example.org"} {
		var id int64
		if err := f.db.QueryRow(ctx, `INSERT INTO contacts (email, name, source, updated_source)
			VALUES ($1, 'X', 'import', 'import') RETURNING id`, e).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, $2, 'confirmed')`, id, l); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	c := f.create("Hi", l)
	f.runScheduler()
	f.runSender(f.svc)
	f.svc.Start(ctx, c.ID)
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)
	if st := f.stats(c.ID); st.Sent != 3 || st.Bounced != 0 || st.Failed != 1 {
		t.Errorf("stats %+v: want sent 3, bounced 0, failed 1", st)
	}
	if n := f.sink.count("john smith@example.org"); n != 1 {
		t.Errorf("quoted local part received %d times, want 1", n)
	}
	if calls := f.bl.list(); len(calls) != 0 {
		t.Errorf("BounceRecorder calls %v, want none", calls)
	}
	var status, lastErr string
	f.db.QueryRow(ctx, `SELECT status, last_error FROM deliveries WHERE campaign_id = $1 AND contact_id = $2`, c.ID, ids[1]).Scan(&status, &lastErr)
	if status != "failed" || !strings.Contains(lastErr, "refused locally") {
		t.Errorf("non-ASCII local part without SMTPUTF8: %s %q, want failed, refused locally", status, lastErr)
	}
}
