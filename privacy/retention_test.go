package privacy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/privacy"
)

// oneStar creates a contact one-star for the given cause since `ago`.
func oneStar(t testing.TB, f *fixture, email, cause string, ago time.Duration) int64 {
	t.Helper()
	ctx := context.Background()
	c, err := f.cs.Create(ctx, contacts.New{Email: email, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	switch cause {
	case privacy.RetentionBlocklisted:
		err = f.cs.BlockAddress(ctx, email, "manual", "")
	case privacy.RetentionInactive:
		err = pgx.BeginFunc(ctx, f.db, func(tx pgx.Tx) error {
			for i := 0; i < 3; i++ {
				if _, err := f.cs.RecordHardBounceTx(ctx, tx, []int64{c.ID}); err != nil {
					return err
				}
			}
			return nil
		})
	case privacy.RetentionFloater:
		f.exec(t, `INSERT INTO lists (slug, name, purpose, optin) VALUES ('l-'||$1, 'l', 'p', 'single') ON CONFLICT DO NOTHING`, email[:3])
		f.exec(t, `INSERT INTO subscriptions (contact_id, list_id, status) SELECT $1, id, 'unsubscribed' FROM lists WHERE slug = 'l-'||$2`, c.ID, email[:3])
		err = contacts.SyncOneStar(ctx, f.db, []int64{c.ID})
	}
	if err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE contacts SET one_star_since = now() - $2::interval WHERE id = $1 AND one_star_since IS NOT NULL`, c.ID, ago.String())
	var since *time.Time
	f.db.QueryRow(ctx, `SELECT one_star_since FROM contacts WHERE id = $1`, c.ID).Scan(&since)
	if since == nil {
		t.Fatalf("%s (%s) is not one-star", email, cause)
	}
	return c.ID
}

// TestRetentionDryRunPerCause: the preview counts what the janitor would
// erase, per cause; the run erases exactly those.
func TestRetentionDryRunPerCause(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{OneStarDays: 30, BatchSize: 2})
	ctx := t.Context()
	due := map[string][]int64{}
	for i, cause := range []string{privacy.RetentionInactive, privacy.RetentionBlocklisted, privacy.RetentionFloater, privacy.RetentionFloater} {
		due[cause] = append(due[cause], oneStar(t, f, cause[:3]+itoa(int64(i))+"@example.org", cause, 40*24*time.Hour))
	}
	young := oneStar(t, f, "youngfloater@example.org", privacy.RetentionFloater, 10*24*time.Hour)
	active, err := f.cs.Create(ctx, contacts.New{Email: "active@example.org", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := f.svc.Preview(ctx, "token:9:officer")
	if err != nil {
		t.Fatal(err)
	}
	if !pv.Enabled || pv.OneStarDays != 30 || pv.Total != 4 || pv.ByCause["inactive"] != 1 || pv.ByCause["blocklisted"] != 1 || pv.ByCause["floater"] != 2 {
		t.Errorf("preview %+v", pv)
	}
	// A dry run changes nothing.
	var n int
	f.db.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n)
	if n != 6 {
		t.Fatalf("%d contacts after the preview, want 6", n)
	}
	erased, err := f.svc.RunRetention(ctx, "janitor")
	if err != nil || erased != 4 {
		t.Fatalf("RunRetention = %d, %v; want 4", erased, err)
	}
	for cause, ids := range due {
		for _, id := range ids {
			if _, err := f.cs.Get(ctx, id); !errors.Is(err, contacts.ErrNotFound) {
				t.Errorf("%s contact %d survived retention: %v", cause, id, err)
			}
		}
	}
	for _, id := range []int64{young, active.ID} {
		if _, err := f.cs.Get(ctx, id); err != nil {
			t.Errorf("contact %d not due was erased: %v", id, err)
		}
	}
	if pv, _ = f.svc.Preview(ctx, "x"); pv.Total != 0 {
		t.Errorf("preview after the run %+v", pv)
	}
	// Audit: the previews and one entry per batch (2 + 2), counts only.
	entries, _ := f.svc.AuditLog(ctx, "", 0, 100)
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+":"+itoa(e.Count))
	}
	if strings.Join(got, ",") != "retention-preview:4,retention-run:2,retention-run:2,retention-preview:0" {
		t.Errorf("audit %v", got)
	}
	// Disabled: the preview says so and the run does nothing.
	off := newFixture(t, privacy.Options{OneStarDays: 0})
	oneStar(t, off, "old@example.org", privacy.RetentionFloater, 4000*24*time.Hour)
	if pv, err := off.svc.Preview(ctx, "x"); err != nil || pv.Enabled || pv.Total != 0 {
		t.Errorf("disabled preview %+v, %v", pv, err)
	}
	if n, err := off.svc.RunRetention(ctx, "janitor"); n != 0 || err != nil {
		t.Errorf("disabled run = %d, %v", n, err)
	}
}

// retentionFixture seeds total due contacts with history for a retention
// run in batches of 100; it returns the campaign and the count of
// deliveries and bounces before.
func retentionFixture(t *testing.T, total int) (*fixture, int64, int64) {
	t.Helper()
	f := newFixture(t, privacy.Options{OneStarDays: 30, BatchSize: 100})
	campaignID := seedHistory(t, f, total, 2)
	var before int64
	f.db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM bounces)`).Scan(&before)
	return f, campaignID, before
}

// TestRetentionInterrupted cancels retention mid-run and checks that every
// contact is either erased with all its history or untouched.
func TestRetentionInterrupted(t *testing.T) {
	t.Parallel()
	const total = 3000
	f, campaignID, deliveriesBefore := retentionFixture(t, total)
	ctx := t.Context()

	// Cancel after growing delays until a run is cut off having erased some
	// but not all (the first tries may stop before the first batch commits).
	var erased int64
	interrupted := false
	for d := 20 * time.Millisecond; d < 20*time.Second && !interrupted; d = d * 3 / 2 {
		rctx, cancel := context.WithTimeout(ctx, d)
		n, err := f.svc.RunRetention(rctx, "janitor")
		cancel()
		erased += n
		if err != nil && rctx.Err() == nil {
			t.Fatal(err)
		}
		if erased == total {
			t.Skip("retention finished before any cancel cut it off")
		}
		interrupted = err != nil && erased > 0
	}
	if !interrupted {
		t.Fatal("no run was interrupted mid-way")
	}
	t.Logf("interrupted after erasing %d of %d", erased, total)
	checkHistoryConsistent(t, f, campaignID, total, erased, deliveriesBefore)
	// The next run finishes the work.
	n, err := f.svc.RunRetention(ctx, "janitor")
	if err != nil || erased+n != total {
		t.Fatalf("resumed run erased %d (+%d before), %v; want %d in all", n, erased, err, total)
	}
	checkHistoryConsistent(t, f, campaignID, total, total, deliveriesBefore)
}

// checkHistoryConsistent: each remaining contact has its full history, no
// row points at an erased contact, deliveries and bounces are all kept (anonymised),
// and the audit log accounts for every erased contact.
func checkHistoryConsistent(t *testing.T, f *fixture, campaignID int64, total int, erased, deliveries int64) {
	t.Helper()
	ctx := t.Context()
	var left, partial, orphans, dels, audited int64
	f.db.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&left)
	f.db.QueryRow(ctx, `SELECT count(*) FROM contacts c WHERE
		(SELECT count(*) FROM subscriptions WHERE contact_id = c.id) <> 1 OR
		(SELECT count(*) FROM consent_records WHERE contact_id = c.id) <> 2 OR
		(SELECT count(*) FROM deliveries WHERE contact_id = c.id) <> 2 OR
		(SELECT count(*) FROM campaign_audience WHERE contact_id = c.id) <> 1 OR
		(SELECT count(*) FROM bounces WHERE contact_id = c.id AND recipient = c.email) <> 1 OR
		(SELECT count(*) FROM recipient_actions WHERE contact_id = c.id) <> 1`).Scan(&partial)
	f.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries d WHERE d.contact_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = d.contact_id))
		+ (SELECT count(*) FROM blocklist b WHERE b.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts c WHERE lower(c.email) = lower(b.email)))
		+ (SELECT count(*) FROM bounces b WHERE (b.contact_id IS NOT NULL OR b.recipient IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = b.contact_id))
		+ (SELECT count(*) FROM recipient_actions a WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = a.contact_id))`).Scan(&orphans)
	f.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM bounces)`).Scan(&dels)
	f.db.QueryRow(ctx, `SELECT coalesce(sum(count), 0) FROM audit_log WHERE action = 'retention-run'`).Scan(&audited)
	if left != int64(total)-erased || partial != 0 || orphans != 0 || dels != deliveries || audited != erased {
		t.Errorf("after erasing %d of %d: %d contacts left, %d partial, %d orphan rows, %d deliveries (want %d), %d audited",
			erased, total, left, partial, orphans, dels, deliveries, audited)
	}
}

// A batch whose work is done commits even when the run is cancelled during
// its commit, and is counted: the count returned always equals what was
// erased and audited. The commit is held open by a deferred trigger; the
// run is cancelled while the server is inside COMMIT.
func TestRetentionCountsBatchCommittedAtCancel(t *testing.T) {
	t.Parallel()
	const total = 150
	f, campaignID, deliveriesBefore := retentionFixture(t, total)
	ctx := t.Context()
	f.exec(t, `CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$`)
	f.exec(t, `CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON audit_log DEFERRABLE INITIALLY DEFERRED
		FOR EACH ROW EXECUTE FUNCTION slow_commit()`)

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := f.svc.RunRetention(rctx, "janitor")
		done <- result{n, err}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var committing bool
		f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND state = 'active' AND lower(query) = 'commit')`).Scan(&committing)
		if committing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first batch never reached its commit")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	r := <-done
	if r.err == nil {
		t.Fatalf("cancelled run: %d, no error", r.n)
	}
	if r.n != 100 {
		t.Errorf("cancelled during the first batch's commit: reported %d, want the committed 100", r.n)
	}
	f.exec(t, `DROP TRIGGER slow_commit ON audit_log`)
	checkHistoryConsistent(t, f, campaignID, total, r.n, deliveriesBefore)
}

// TestRetentionIsAuditedPerDepartment: the janitor's pass spans every
// department; each department's audit log gets the count of its own
// contacts erased, and no department reads another's.
func TestRetentionIsAuditedPerDepartment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{OneStarDays: 30, BatchSize: 10})
	ctx := t.Context()
	var sales int64
	if err := f.db.QueryRow(ctx, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	oneStar(t, f, "flo1@example.org", privacy.RetentionFloater, 40*24*time.Hour)
	for _, email := range []string{"flo2@example.org", "flo3@example.org"} {
		id := oneStar(t, f, email, privacy.RetentionFloater, 40*24*time.Hour)
		f.exec(t, `UPDATE contacts SET department_id = $2 WHERE id = $1`, id, sales)
	}
	if n, err := f.svc.RunRetention(ctx, "janitor"); err != nil || n != 3 {
		t.Fatalf("RunRetention = %d, %v; want 3", n, err)
	}
	rows, err := f.db.Query(ctx, `SELECT department_id, count FROM audit_log WHERE action = 'retention-run' ORDER BY department_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var dept, n int64
		if err := rows.Scan(&dept, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, itoa(dept)+":"+itoa(n))
	}
	if want := "1:1," + itoa(sales) + ":2"; strings.Join(got, ",") != want {
		t.Fatalf("retention entries by department %v, want %s", got, want)
	}
}
