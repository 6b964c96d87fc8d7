package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/postbode/postbode/internal/db"
)

// RunScheduler starts due campaigns, expands recipients, finishes drained
// campaigns and cleans up cancelled ones, every Options.Tick until ctx ends.
// Any number of nodes may run it: each step takes the campaign's row lock
// (FOR UPDATE SKIP LOCKED), so one node at a time works on a campaign.
// It reads the campaigns from Postgres only when a state change was
// signalled (signalStates), a scheduled campaign is due, or statesRecheck
// has passed; the ticks in between work from the list it read and the
// Redis queues, so an idle or busy node does no Postgres work per tick.
func (s *Service) RunScheduler(ctx context.Context) error {
	t := time.NewTicker(s.opt.Tick)
	defer t.Stop()
	var st schedState
	for {
		if err := s.scheduleRound(ctx, &st); err != nil && ctx.Err() == nil {
			s.log.Error("campaigns: scheduler step failed; retrying next tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ScheduleOnce runs one scheduler round, reading the campaigns afresh.
func (s *Service) ScheduleOnce(ctx context.Context) error {
	return s.scheduleRound(ctx, &schedState{})
}

// schedState is what a scheduler read of the campaigns found: the
// campaigns to work on, the states signal it was read under, when, and
// the earliest send_at of a scheduled campaign still to come.
type schedState struct {
	list    []active
	read    statesRead
	nextDue time.Time
}

// active is a campaign a scheduler round works on.
type active struct {
	id       int64
	status   string
	expanded bool
}

func (s *Service) scheduleRound(ctx context.Context, st *schedState) error {
	sig, err := s.statesSignal(ctx)
	now := time.Now()
	if st.read.stale(sig, err, now, statesRecheck) ||
		(!st.nextDue.IsZero() && !now.Before(st.nextDue)) {
		// The signal is taken before the read: a change signalled after
		// it is read on the next round.
		list, next, err := s.readSchedule(ctx)
		if err != nil {
			st.read = statesRead{}
			return err
		}
		*st = schedState{list: list, read: statesRead{seen: sig, at: now}, nextDue: next}
	}
	var errs []error
	for _, a := range st.list {
		switch {
		case a.status == StateCancelled:
			err = s.cleanupCancelled(ctx, a.id)
		case !a.expanded:
			err = s.expand(ctx, a.id)
		default:
			err = s.finishCheck(ctx, a.id)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("campaign %d: %w", a.id, err))
		}
	}
	return errors.Join(errs...)
}

// readSchedule runs scheduleSQL: it starts the due campaigns and marks the
// missed ones, and returns the campaigns to work on and the earliest
// send_at still to come (zero when none).
func (s *Service) readSchedule(ctx context.Context) ([]active, time.Time, error) {
	rows, err := s.db.Query(ctx, scheduleSQL(s.opt.MissedGrace))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("campaigns: scheduler: %w", err)
	}
	var list []active
	var next time.Time
	missed, started := 0, false
	var a active
	var picked string
	var at pgtype.Timestamptz
	_, err = pgx.ForEachRow(rows, []any{&a.id, &a.status, &a.expanded, &picked, &at}, func() error {
		switch picked {
		case "missed":
			missed++
			return nil
		case "next":
			next = at.Time
			return nil
		case "started":
			s.log.Info("scheduled campaign started", "campaign_id", a.id)
			started = true
		}
		list = append(list, a)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("campaigns: scheduler: %w", err)
	}
	if started {
		s.signalStates(ctx)
	}
	if missed > 0 {
		s.log.Warn("scheduled campaigns missed their send time by more than sending.missed_grace; they wait for an explicit start",
			"count", missed)
	}
	return list, next, nil
}

// scheduleSQL is a scheduler round's one statement (run when the round
// reads the campaigns, on every node, sending or not): it starts the scheduled campaigns whose
// send_at has come, marks missed_at on those whose send_at passed more than
// grace (sending.missed_grace) ago — they wait for an explicit start —
// and returns the campaigns the round works on: running ones, cancelled
// ones not yet cleaned up and those it started (picked "started"), plus
// those it marked missed (picked "missed", for the log only), and the
// earliest send_at of a scheduled campaign still to come (picked "next",
// in at; no row when there is none). Each
// campaign is changed by one UPDATE whose WHERE re-checks its status, so
// nodes never start one twice. The two UPDATEs take disjoint rows: a
// statement's parts share one snapshot and must not change a row twice.
// The grace is part of the text, not a parameter: a statement without
// parameters is planned once per connection, where one with a parameter
// was planned anew every tick.
func scheduleSQL(grace time.Duration) string {
	g := `make_interval(secs => ` + strconv.FormatFloat(grace.Seconds(), 'f', -1, 64) + `)`
	return `WITH missed AS (
	UPDATE campaigns SET missed_at = now(), updated_at = now()
	WHERE status = 'scheduled' AND missed_at IS NULL AND send_at < now() - ` + g + `
	RETURNING id
), started AS (
	UPDATE campaigns SET status = 'running', started_at = now(), updated_at = now()
	WHERE status = 'scheduled' AND missed_at IS NULL AND send_at <= now() AND NOT send_at < now() - ` + g + `
	RETURNING id, expanded_at IS NOT NULL AS expanded
)
SELECT id, status, expanded_at IS NOT NULL, '', NULL::timestamptz FROM campaigns
	WHERE status = 'running' OR (status = 'cancelled' AND finished_at IS NULL)
UNION ALL SELECT id, 'running', expanded, 'started', NULL FROM started
UNION ALL SELECT id, 'scheduled', false, 'missed', NULL FROM missed
UNION ALL SELECT 0, 'scheduled', false, 'next', min(send_at) FROM campaigns
	WHERE status = 'scheduled' AND missed_at IS NULL AND send_at > now() HAVING min(send_at) IS NOT NULL
ORDER BY 1`
}

// expand expands recipient batches of a running campaign while its queue
// has room for a whole batch (ExpandBatch, or half of QueueAhead when that
// is less), for at most one tick. Topping the queue up by what the workers
// took since the last tick expanded a few hundred recipients at a time:
// ten times the transactions, plans and waits for the counters' row for
// the same rows, while the queue still held thousands.
func (s *Service) expand(ctx context.Context, id int64) error {
	deadline := time.Now().Add(s.opt.Tick)
	least := max(min(s.opt.ExpandBatch, s.opt.QueueAhead/2), 1)
	for time.Now().Before(deadline) {
		stream, _, err := s.queueLen(ctx, id)
		if err != nil {
			return err
		}
		room := s.opt.QueueAhead - int(stream)
		if room < least {
			return nil
		}
		more, done, err := s.expandBatch(ctx, id, min(s.opt.ExpandBatch, room))
		if err != nil {
			return err
		}
		if !more && !done {
			return nil // not running, or another node expands it
		}
		if done {
			// The campaign's delivery rows are all there: give the planner
			// statistics that include them (the send path's statements do
			// not need them, the reports and later campaigns do). The
			// campaign changes no other table: an import analyses the
			// contacts and subscriptions it adds. The scheduler rounds
			// re-read the campaign, now to be finished, on the signal.
			s.signalStates(ctx)
			return db.AnalyzeStale(ctx, s.db, "deliveries")
		}
	}
	return nil
}

// expandSQL takes the next recipients after the cursor — confirmed on one
// of the lists, each once however many lists they are on — then keeps those
// active, not one-star and in the audience when the campaign has one, and
// records a delivery row for each. $1 campaign, $2 cursor, $3 lists, $4
// has_audience, $5 limit. It returns the new cursor (the last candidate),
// the number of candidates and the contacts added.
// Every step is an index probe or an ordered index range that stops at the
// limit (LATERAL subqueries with LIMIT are never flattened or turned
// around), so a batch reads about limit rows per list whatever the tables'
// statistics say; a join the planner may reorder read every remaining
// subscription of the list on each batch before any statistics existed.
// The audience is probed only when the campaign has one (an OR of a
// parameter and a subquery stops at the parameter). The rows are inserted
// plainly, without ON CONFLICT: ExpandBatch holds the campaign row and
// moves the cursor past them in the same transaction, so no row of a
// contact after the cursor can exist; should one ever, the unique key
// (campaign_id, contact_id) fails the batch loudly instead of sending
// twice. (ON CONFLICT probes the key once more per row and writes a second
// WAL record per row, a fifth of the expansion's cost.)
const expandSQL = `WITH cand AS (
	SELECT DISTINCT s.contact_id AS id FROM unnest($3::bigint[]) AS l(id)
	CROSS JOIN LATERAL (SELECT s.contact_id FROM subscriptions s WHERE s.list_id = l.id AND s.status = 'confirmed'
		AND s.contact_id > $2 ORDER BY s.contact_id LIMIT $5) s
	ORDER BY 1 LIMIT $5
), picked AS (
	SELECT c.id FROM cand CROSS JOIN LATERAL (SELECT c.id FROM contacts c WHERE c.id = cand.id
		AND c.status = 'active' AND c.one_star_since IS NULL LIMIT 1) c
	WHERE NOT $4 OR EXISTS (SELECT FROM campaign_audience a WHERE a.campaign_id = $1 AND a.contact_id = c.id)
), ins AS (
	INSERT INTO deliveries (campaign_id, contact_id) SELECT $1, id FROM picked RETURNING contact_id
)
SELECT coalesce((SELECT max(id) FROM cand), $2), (SELECT count(*) FROM cand),
	coalesce((SELECT array_agg(contact_id ORDER BY contact_id) FROM ins), '{}')`

// ExpandBatch expands up to limit more recipients of a running campaign in
// one transaction: delivery rows, the stream entries and the advanced
// cursor. The entries are added before the commit: a crash in between rolls
// the rows and cursor back and the batch is expanded again (the sender drops
// the duplicate entries), never skipped. more is false when the campaign is
// fully expanded, not running, or being expanded by another node.
func (s *Service) ExpandBatch(ctx context.Context, id int64, limit int) (more bool, err error) {
	more, _, err = s.expandBatch(ctx, id, limit)
	return more, err
}

// expandBatch is ExpandBatch; done is true when this call expanded the
// campaign's last recipients.
func (s *Service) expandBatch(ctx context.Context, id int64, limit int) (more, done bool, err error) {
	start := time.Now()
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var lists []int64
		var audience bool
		var cursor int64
		err := tx.QueryRow(ctx, `SELECT list_ids, has_audience, expand_cursor FROM campaigns
			WHERE id = $1 AND status = 'running' AND expanded_at IS NULL FOR UPDATE SKIP LOCKED`, id).
			Scan(&lists, &audience, &cursor)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var next, picked int64
		var added []int64
		if err := tx.QueryRow(ctx, expandSQL, id, cursor, lists, audience, limit).Scan(&next, &picked, &added); err != nil {
			return err
		}
		if err := s.ensureGroup(ctx, id); err != nil {
			return err
		}
		if err := s.enqueue(ctx, id, added); err != nil {
			return err
		}
		more = picked == int64(limit)
		done = !more
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET expand_cursor = $2,
			expanded_at = CASE WHEN $3 THEN NULL ELSE now() END WHERE id = $1`, id, next, more); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE campaign_stats SET total = total + $2, updated_at = now()
			WHERE campaign_id = $1`, id, len(added)); err != nil {
			return err
		}
		s.m.expanded.Add(float64(len(added)))
		return nil
	})
	if err != nil {
		return false, false, fmt.Errorf("campaigns: expand %d: %w", id, err)
	}
	s.m.expandSeconds.Observe(time.Since(start).Seconds())
	return more, done, nil
}

// finishCheck finishes a fully expanded running campaign whose queue and
// retry set are empty and that has no pending delivery. Pending deliveries
// of erased contacts become skipped; pending ones missing from Redis (lost
// with a Redis failure) are queued again.
func (s *Service) finishCheck(ctx context.Context, id int64) error {
	stream, retry, err := s.queueLen(ctx, id)
	if err != nil || stream > 0 || retry > 0 {
		return err
	}
	var requeue []int64
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT true FROM campaigns WHERE id = $1 AND status = 'running'
			AND expanded_at IS NOT NULL FOR UPDATE SKIP LOCKED`, id).Scan(&ok)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.finalizeWhere(ctx, tx, id, "contact_id IS NULL", "skipped"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, pendingSQL, id)
		if err != nil {
			return err
		}
		if requeue, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		if len(requeue) > 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE campaigns SET status = 'finished', finished_at = now(), updated_at = now() WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("campaigns: finish %d: %w", id, err)
	}
	if len(requeue) > 0 {
		s.log.Warn("pending deliveries were missing from the Redis queue; queued again", "campaign_id", id, "count", len(requeue))
		if err := s.ensureGroup(ctx, id); err != nil {
			return err
		}
		return s.enqueue(ctx, id, requeue)
	}
	return s.dropQueueIfDone(ctx, id)
}

// pendingSQL reads up to 10,000 pending deliveries of campaign $1. No
// index knows the status (an index on it would make every recorded
// outcome write index entries): it reads the campaign's rows in key order,
// which the finish check does once, when the queue is empty.
const pendingSQL = `SELECT contact_id FROM deliveries WHERE campaign_id = $1
	AND status IN ('queued', 'deferred') ORDER BY campaign_id, contact_id LIMIT 10000`

func (s *Service) dropQueueIfDone(ctx context.Context, id int64) error {
	var status string
	if err := s.db.QueryRow(ctx, `SELECT status FROM campaigns WHERE id = $1`, id).Scan(&status); err != nil {
		return fmt.Errorf("campaigns: %w", err)
	}
	if status == StateFinished {
		s.log.Info("campaign finished", "campaign_id", id)
		s.signalStates(ctx)
		return s.dropQueue(ctx, id)
	}
	return nil
}

// finalizeWhere moves the campaign's pending deliveries matching cond to
// status (a final one) and adjusts the counters in tx.
func (s *Service) finalizeWhere(ctx context.Context, tx pgx.Tx, id int64, cond, status string) error {
	var fromDeferred, fromQueued int64
	for _, from := range []string{"deferred", "queued"} {
		tag, err := tx.Exec(ctx, finalizeSQL(cond), id, status, from)
		if err != nil {
			return err
		}
		if from == "deferred" {
			fromDeferred = tag.RowsAffected()
		} else {
			fromQueued = tag.RowsAffected()
		}
	}
	if fromDeferred+fromQueued == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE campaign_stats SET `+status+` = `+status+` + $2, deferred = deferred - $3,
		updated_at = now() WHERE campaign_id = $1`, id, fromDeferred+fromQueued, fromDeferred)
	return err
}

// finalizeSQL moves the pending deliveries of campaign $1 in status $3
// that match cond to status $2. With cond "contact_id IS NULL" (erased
// contacts) it reads only those rows, through the (campaign_id,
// contact_id) key.
func finalizeSQL(cond string) string {
	return `UPDATE deliveries SET status = $2, done_at = now() WHERE campaign_id = $1 AND status = $3 AND ` + cond
}

// cleanupCancelled marks a cancelled campaign's unsent deliveries
// cancelled, drops its queue and sets finished_at.
func (s *Service) cleanupCancelled(ctx context.Context, id int64) error {
	done := false
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT true FROM campaigns WHERE id = $1 AND status = 'cancelled'
			AND finished_at IS NULL FOR UPDATE SKIP LOCKED`, id).Scan(&ok)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.finalizeWhere(ctx, tx, id, "true", "cancelled"); err != nil {
			return err
		}
		done = true
		_, err = tx.Exec(ctx, `UPDATE campaigns SET finished_at = now(), updated_at = now() WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("campaigns: cancel %d: %w", id, err)
	}
	if done {
		s.log.Info("campaign cancelled; unsent deliveries marked cancelled", "campaign_id", id)
		s.signalStates(ctx)
		return s.dropQueue(ctx, id)
	}
	return nil
}
