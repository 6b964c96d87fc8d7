package campaigns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/mta"
)

// target is one recipient of a batch with what the send path learns about it.
type target struct {
	recipient
	streamID string // the entry this target came from
	enqueued time.Time
	attempts int
	queuedAt time.Time
	tid      pgtype.TID // the delivery row's address when loaded
	was      string     // its status then: queued or deferred
	eligible bool
	env      mta.Envelope
	buf      *msgBuf // env's bytes, given back once sent
	// outcome
	status string // sent, bounced, deferred, failed, skipped
	res    mta.Result
	errMsg string
}

// loadSQL reads the batch's deliveries (only those still pending) with their
// contacts and whether each may still be mailed: active, not one-star and
// confirmed on one of the campaign's lists, and the row's address and
// status (recordSQL updates the row by that address). $1 campaign, $2
// contact ids, $3 lists.
// The deliveries are read by one scan of the (campaign_id, contact_id) key
// with all the ids in its condition (= ANY), never a scan of the
// campaign's pending rows, with or without statistics; the contact and the
// subscription are one index probe per row (a LATERAL subquery with LIMIT
// is never flattened or turned around). A probe of deliveries per id (a
// LATERAL subquery) was planned as a bitmap heap scan rescanned per id,
// and every rescan of a heap scan asks the kernel for the table's size
// (lseek): a third of the statement's CPU. Hidden attributes are left
// out; the hidden keys are read and joined once per statement, after the
// rows (b is materialised: joined inside the LATERAL probes, they built a
// hash table per row).
var loadSQL = `WITH b AS MATERIALIZED (
	SELECT d.contact_id, d.ctid AS tid, d.status, d.attempts, d.queued_at, c.email, c.name, c.attributes, c.department_id,
		c.status = 'active' AND c.one_star_since IS NULL AND s.confirmed AS eligible
	FROM deliveries d
	LEFT JOIN LATERAL (SELECT * FROM contacts c WHERE c.id = d.contact_id LIMIT 1) c ON true
	LEFT JOIN LATERAL (SELECT true AS confirmed FROM subscriptions s WHERE s.contact_id = c.id
		AND s.list_id = ANY ($3) AND s.status = 'confirmed' LIMIT 1) s ON true
	WHERE d.campaign_id = $1 AND d.contact_id = ANY ($2::bigint[]) AND d.status IN ('queued', 'deferred')
)
SELECT c.contact_id, c.tid, c.status, c.attempts, c.queued_at, coalesce(c.email, ''), coalesce(c.name, ''),
	coalesce(` + contacts.VisibleAttributesJoinedSQL("c", "h") + `, '{}'::jsonb), coalesce(c.eligible, false)
FROM b c ` + contacts.HiddenKeysJoinSQL("c", "h")

// sendBatch sends the entries of one campaign and records the outcomes;
// the entries are acknowledged (and deleted from the stream) only after the
// outcomes are committed, so a crash before that leaves them pending for a
// reclaim. Entries whose delivery is no longer pending are duplicates and
// are just acknowledged.
func (s *Service) sendBatch(ctx context.Context, id int64, consumer string, es []entry) error {
	t0 := time.Now()
	defer s.keepClaimed(ctx, id, consumer, es)()
	rt, err := s.runtime(ctx, id)
	if err != nil {
		return err
	}
	// Claim first, then read the status: a duplicate entry read while
	// another worker sends the same contact finds it sent (or claimed).
	claimed, err := s.claim(ctx, id, es)
	if err != nil {
		return err
	}
	ts, err := s.load(ctx, rt, claimed)
	if err != nil {
		s.release(ctx, id, claimed)
		return err
	}
	for _, t := range ts {
		if !t.eligible {
			t.status, t.errMsg = "skipped", "no longer eligible (unsubscribed, blocklisted, inactive or erased)"
		}
	}
	t1 := time.Now()
	var st stageTimes
	smtp := s.deliver(ctx, rt, ts, &st)
	t2 := time.Now()
	if err := s.record(ctx, id, ts); err != nil {
		s.release(ctx, id, claimed)
		return err
	}
	if err := s.ack(ctx, id, es, claimed); err != nil {
		return err
	}
	t3 := time.Now()
	s.stages.add(st, t1.Sub(t0)+t3.Sub(t2), smtp, len(ts))
	return nil
}

// keepClaimed keeps the batch's entries and contact marks from looking
// abandoned while the batch takes long (e.g. held back by throttles): every
// third of ClaimIdle it resets their idle time (XCLAIM to the same consumer)
// and extends the marks. The returned func stops it.
func (s *Service) keepClaimed(ctx context.Context, id int64, consumer string, es []entry) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(s.opt.ClaimIdle / 3)
		defer t.Stop()
		var ids, keys []string // made on the first tick: most batches end before it
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if ids == nil {
				ids = make([]string, len(es))
				keys = make([]string, 0, len(es))
				for i, e := range es {
					ids[i] = e.streamID
					keys = append(keys, s.claimKey(id, e.contactID))
				}
			}
			s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.XClaimJustID(ctx, &redis.XClaimArgs{Stream: s.streamKey(id), Group: group, Consumer: consumer,
					MinIdle: 0, Messages: ids})
				for _, k := range keys {
					p.PExpire(ctx, k, s.opt.ClaimIdle)
				}
				return nil
			})
		}
	}()
	return func() { close(done) }
}

// sendChunk is how many messages of one destination domain are built
// before they are handed to the transport: it bounds the memory of messages
// in flight to about sendChunk × message size per worker.
const sendChunk = 25

// load returns the pending targets of the batch, de-duplicated, with the
// eligibility re-checked (including the blocklist by address hash).
func (s *Service) load(ctx context.Context, rt *runtime, es []entry) ([]*target, error) {
	ids := make([]int64, 0, len(es))
	enq := make(map[int64]entry, len(es))
	for _, e := range es {
		if _, dup := enq[e.contactID]; !dup && e.contactID > 0 {
			ids = append(ids, e.contactID)
			enq[e.contactID] = e
		}
	}
	ts, err := s.loadPending(ctx, rt, ids, enq)
	if err != nil {
		return nil, err
	}
	if missing := notLoaded(ids, ts); len(missing) > 0 {
		more, err := s.loadAfterExpansion(ctx, rt, missing, enq)
		if err != nil {
			return nil, err
		}
		ts = append(ts, more...)
	}
	if s.opt.Contacts == nil {
		return ts, nil
	}
	hashes := make([][]byte, 0, len(ts))
	byHash := map[string]*target{}
	for _, t := range ts {
		if t.eligible {
			h := s.opt.Contacts.Hash(t.Email)
			hashes = append(hashes, h)
			byHash[string(h)] = t
		}
	}
	if len(hashes) == 0 {
		return ts, nil
	}
	// The campaign's department's blocklist only: another department's
	// entry for the same address does not stop this campaign.
	rows, err := s.db.Query(ctx, `SELECT b.email_hash FROM blocklist b JOIN campaigns c ON c.department_id = b.department_id
		WHERE c.id = $2 AND b.email_hash = ANY($1)`, hashes, rt.c.ID)
	if err != nil {
		return nil, fmt.Errorf("blocklist check: %w", err)
	}
	blocked, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("blocklist check: %w", err)
	}
	for _, h := range blocked {
		if t := byHash[string(h)]; t != nil {
			t.eligible = false
		}
	}
	return ts, nil
}

// loadPending reads the pending deliveries of ids with their contacts.
func (s *Service) loadPending(ctx context.Context, rt *runtime, ids []int64, enq map[int64]entry) ([]*target, error) {
	rows, err := s.db.Query(ctx, loadSQL, rt.c.ID, ids, rt.c.ListIDs)
	if err != nil {
		return nil, fmt.Errorf("load batch: %w", err)
	}
	return collectTargets(rows, enq)
}

// loadAfterExpansion reads the deliveries of entries that found no pending
// row, after waiting for the campaign's row lock. An expansion adds its
// entries to the stream before it commits (so a crash never skips a
// batch): a worker can read them while the rows are not yet visible, and
// must not take them for duplicates. The expansion holds the campaign row
// (FOR UPDATE) until it commits; FOR KEY SHARE waits for that, and the
// second statement of the batch (an implicit transaction) sees what it
// committed. Rows still missing then are duplicates or were erased.
func (s *Service) loadAfterExpansion(ctx context.Context, rt *runtime, ids []int64, enq map[int64]entry) ([]*target, error) {
	var ts []*target
	b := &pgx.Batch{}
	b.Queue(`SELECT 1 FROM campaigns WHERE id = $1 FOR KEY SHARE`, rt.c.ID)
	b.Queue(loadSQL, rt.c.ID, ids, rt.c.ListIDs).Query(func(rows pgx.Rows) error {
		var err error
		ts, err = collectTargets(rows, enq)
		return err
	})
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("load batch after expansion: %w", err)
	}
	return ts, nil
}

func collectTargets(rows pgx.Rows, enq map[int64]entry) ([]*target, error) {
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*target, error) {
		t := &target{}
		err := r.Scan(&t.ID, &t.tid, &t.was, &t.attempts, &t.queuedAt, &t.Email, &t.Name, &t.Attributes, &t.eligible)
		t.enqueued, t.streamID = enq[t.ID].enqueued, enq[t.ID].streamID
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("load batch: %w", err)
	}
	return ts, nil
}

// notLoaded returns the ids without a target.
func notLoaded(ids []int64, ts []*target) []int64 {
	got := make(map[int64]bool, len(ts))
	for _, t := range ts {
		got[t.ID] = true
	}
	var out []int64
	for _, id := range ids {
		if !got[id] {
			out = append(out, id)
		}
	}
	return out
}

// chunk is up to sendChunk built messages to one destination domain.
type chunk struct {
	domain string
	ts     []*target
}

// deliver builds and sends the messages grouped by destination domain, in
// chunks within the throttles, and sets each target's outcome. It returns
// the time spent in the limiter and the transport.
//
// Building (render, compose, DKIM: CPU) and sending (network) overlap: a
// builder goroutine builds the next chunk while the worker sends the
// current one, so the signing of one chunk does not wait for the replies
// to the previous one. Chunks built ahead hold a place in s.ahead (two
// per CPU for the whole process), so the messages in memory stay at about
// one chunk per worker plus those few. The chunks go out in the order
// they were built, each message once. When sending fails (a throttle
// error) or ctx ends, the builder stops and every message not yet sent is
// deferred.
func (s *Service) deliver(ctx context.Context, rt *runtime, ts []*target, st *stageTimes) (smtp time.Duration) {
	byDomain := map[string][]*target{}
	var order []string
	for _, t := range ts {
		if t.status != "" {
			continue
		}
		d := mta.AddressDomain(t.Email)
		if _, ok := byDomain[d]; !ok {
			order = append(order, d)
		}
		byDomain[d] = append(byDomain[d], t)
	}
	var failed error // set once sending failed: the rest is not sent
	send := func(c chunk) {
		if failed == nil {
			start := time.Now()
			failed = s.sendAll(ctx, c.domain, c.ts)
			smtp += time.Since(start)
		}
		for _, t := range c.ts {
			if t.status == "" { // not sent
				t.res = mta.Result{Err: failed}
				s.outcome(t)
			}
		}
	}
	if !s.buildAhead {
		s.buildChunks(ctx, rt, order, byDomain, st, func() bool { return true }, func(c chunk) bool {
			send(c)
			return failed == nil
		})
	} else {
		chunks := make(chan chunk) // the builder holds at most one built chunk
		stop := make(chan struct{})
		go func() {
			defer close(chunks)
			holding := false // a place in s.ahead for the chunk being built
			defer func() {
				if holding {
					<-s.ahead
				}
			}()
			s.buildChunks(ctx, rt, order, byDomain, st, func() bool {
				select {
				case s.ahead <- struct{}{}:
					holding = true
					return true
				case <-stop:
				case <-ctx.Done():
				}
				return false
			}, func(c chunk) bool {
				select {
				case chunks <- c: // its place is given back by the receiver
					holding = false
					return true
				case <-stop: // its messages are deferred below
					return false
				}
			})
		}()
		for c := range chunks {
			<-s.ahead
			send(c)
			if failed != nil {
				select {
				case <-stop:
				default:
					close(stop)
				}
			}
		}
	}
	// Messages never built (sending failed, or ctx ended) are deferred.
	for _, d := range order {
		for _, t := range byDomain[d] {
			if t.status == "" {
				t.res = mta.Result{Err: cmp.Or(failed, ctx.Err(), errors.New("not sent"))}
				s.outcome(t)
			}
		}
	}
	return smtp
}

// buildChunks builds the messages domain by domain into chunks of up to
// sendChunk and hands each to emit, until begin (called before each
// chunk) or emit returns false or ctx ends. A message that cannot be built
// is failed and left out.
func (s *Service) buildChunks(ctx context.Context, rt *runtime, order []string, byDomain map[string][]*target,
	st *stageTimes, begin func() bool, emit func(chunk) bool) {
	for _, d := range order {
		rest := byDomain[d]
		for len(rest) > 0 {
			if !begin() {
				return
			}
			c := chunk{domain: d, ts: make([]*target, 0, min(len(rest), sendChunk))}
			for len(c.ts) < sendChunk && len(rest) > 0 {
				if ctx.Err() != nil {
					return
				}
				t := rest[0]
				rest = rest[1:]
				s.building <- struct{}{}
				buf := getMsgBuf()
				env, err := s.compose(ctx, rt, t.recipient, "", st, buf)
				<-s.building
				if err != nil {
					s.buildFailed(rt, t, buf, err)
					continue
				}
				t.env, t.buf = env, buf
				c.ts = append(c.ts, t)
			}
			if rt.signed {
				c.ts = s.signChunk(rt, c.ts, st)
			}
			if len(c.ts) > 0 && !emit(c) {
				return
			}
		}
	}
}

// signChunk DKIM-signs the composed messages of a chunk together (one
// call to the RSA implementation for them all, see mta.DKIM.AppendSignatures)
// and returns those signed; a message that cannot be signed is failed.
func (s *Service) signChunk(rt *runtime, ts []*target, st *stageTimes) []*target {
	envs, bufs, errs := make([]*mta.Envelope, len(ts)), make([]*msgBuf, len(ts)), make([]error, len(ts))
	for i, t := range ts {
		envs[i], bufs[i] = &t.env, t.buf
	}
	s.building <- struct{}{}
	s.sign(envs, bufs, errs, st)
	<-s.building
	signed := ts[:0]
	for i, t := range ts {
		if errs[i] != nil {
			s.buildFailed(rt, t, t.buf, errs[i])
			continue
		}
		signed = append(signed, t)
	}
	return signed
}

// buildFailed fails a target whose message cannot be built.
func (s *Service) buildFailed(rt *runtime, t *target, buf *msgBuf, err error) {
	putMsgBuf(buf)
	t.buf, t.env = nil, mta.Envelope{}
	t.status, t.errMsg = "failed", err.Error()
	s.log.Error("campaigns: cannot build message", "campaign_id", rt.c.ID, "contact_id", t.ID, "error", err)
}

// sendAll sends a chunk, in as many turns as the throttles need, and sets
// the outcomes; on a throttle error, or when ctx has ended, it returns the
// error, leaving the rest unsent.
func (s *Service) sendAll(ctx context.Context, domain string, ts []*target) error {
	for len(ts) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := s.sendChunk(ctx, domain, ts)
		if err != nil {
			return err
		}
		ts = ts[n:]
	}
	return nil
}

// sendChunk sends as many of the built messages as the throttles allow now
// (at least one) and sets their outcomes; it returns how many it sent.
func (s *Service) sendChunk(ctx context.Context, domain string, ts []*target) (int, error) {
	n, release := len(ts), func() {}
	if s.opt.Limiter != nil {
		var err error
		if n, release, err = s.opt.Limiter.Acquire(ctx, domain, len(ts)); err != nil {
			return 0, fmt.Errorf("throttle: %w", err)
		}
	}
	defer release()
	batch := make([]mta.Envelope, n)
	for i, t := range ts[:n] {
		batch[i] = t.env
	}
	res := s.opt.Transport.Send(ctx, domain, batch)
	for i, t := range ts[:n] {
		if i < len(res) {
			t.res = res[i]
		} else {
			t.res = mta.Result{Err: fmt.Errorf("transport returned %d results for %d messages", len(res), n)}
		}
		s.outcome(t)
	}
	return n, nil
}

// outcome classifies a target's SMTP result: 2xx sent, 5xx bounced (failed
// when refused locally, see mta.Result.Local), anything else deferred — or failed when it has been deferred for longer
// than GiveUpAfter.
func (s *Service) outcome(t *target) {
	putMsgBuf(t.buf) // the transport is done with the message
	t.buf, t.env = nil, mta.Envelope{}
	switch t.res.Outcome() {
	case mta.Sent:
		t.status = "sent"
		if !t.enqueued.IsZero() {
			s.m.latency.Observe(time.Since(t.enqueued).Seconds())
		}
	case mta.Bounced:
		t.status, t.errMsg = "bounced", t.res.String()
		if t.res.Local {
			// Refused by our own client before any server answered:
			// nothing is known of the mailbox, so no bounce is counted
			// against the contact (a false hard would erase a person).
			t.status = "failed"
		}
	default:
		t.status, t.errMsg = "deferred", t.res.String()
		if time.Since(t.queuedAt) >= s.opt.GiveUpAfter {
			t.status = "failed"
		}
	}
}

// retryDelay is RetryBase doubled for every earlier attempt.
func (s *Service) retryDelay(attempts int) time.Duration {
	d := s.opt.RetryBase
	for i := 0; i < attempts && d < s.opt.GiveUpAfter; i++ {
		d *= 2
	}
	return d
}

// record writes the outcomes: deferred ones into the retry set first (a
// crash after that only retries early), then the delivery rows and the
// counters in one transaction, counting only real status changes; then
// hands synchronous bounces to the bounce logic.
func (s *Service) record(ctx context.Context, id int64, ts []*target) error {
	if len(ts) == 0 {
		return nil
	}
	now := time.Now()
	var retries []redis.Z
	ids := make([]int64, len(ts))
	statuses := make([]string, len(ts))
	msgs := make([]string, len(ts))
	tids := make([]pgtype.TID, len(ts))
	was := make([]string, len(ts))
	for i, t := range ts {
		ids[i], statuses[i], msgs[i], tids[i], was[i] = t.ID, t.status, t.errMsg, t.tid, t.was
		if t.status == "deferred" {
			due := now.Add(s.retryDelay(t.attempts))
			if limit := t.queuedAt.Add(s.opt.GiveUpAfter); due.After(limit) {
				due = limit
			}
			retries = append(retries, redis.Z{Score: float64(due.UnixMilli()), Member: t.ID})
		}
	}
	if len(retries) > 0 {
		if err := s.rdb.ZAdd(ctx, s.retryKey(id), retries...).Err(); err != nil {
			return fmt.Errorf("retry set: %w", err)
		}
	}
	// One statement: the rows and the counters change atomically, in one
	// round trip. Rows it left alone because another transaction changed
	// them since they were loaded (e.g. an open recorded already) are
	// recorded again, found by key and locked this time.
	changed := make(map[int64][2]string, len(ts))
	if err := s.recordRows(ctx, recordSQL, changed, id, tids, ids, statuses, msgs, was); err != nil {
		return err
	}
	if len(changed) < len(ids) {
		var mids []int64
		var msts, mmsgs []string
		for i, cid := range ids {
			if _, ok := changed[cid]; !ok {
				mids, msts, mmsgs = append(mids, cid), append(msts, statuses[i]), append(mmsgs, msgs[i])
			}
		}
		if err := s.recordRows(ctx, recordLockedSQL, changed, id, mids, msts, mmsgs); err != nil {
			return err
		}
	}
	for _, t := range ts {
		ch, ok := changed[t.ID]
		if !ok {
			continue
		}
		s.m.messages.WithLabelValues(ch[1]).Inc()
		if ch[0] == "deferred" {
			s.m.retries.Inc()
		}
		if ch[1] == "bounced" && s.opt.Bounces != nil {
			if err := s.opt.Bounces.RecordSMTP(ctx, id, t.ID, t.res.Command, t.res.Code, t.res.Enhanced, t.res.Text); err != nil {
				s.log.Error("campaigns: handing a synchronous bounce to the bounce logic failed", "campaign_id", id,
					"contact_id", t.ID, "error", err)
			}
		}
	}
	return nil
}

// recordRows runs recordSQL or recordLockedSQL and adds the rows it
// changed to changed (contact id → old and new status).
func (s *Service) recordRows(ctx context.Context, sql string, changed map[int64][2]string, args ...any) error {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("record outcomes: %w", err)
	}
	for rows.Next() {
		var cid int64
		var was, now string
		if err := rows.Scan(&cid, &was, &now); err != nil {
			rows.Close()
			return fmt.Errorf("record outcomes: %w", err)
		}
		changed[cid] = [2]string{was, now}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("record outcomes: %w", err)
	}
	return nil
}

// recordSQL updates the batch's deliveries and the campaign's counters
// (counting only real status changes) and returns, for each row it
// changed, the old and new status. $1 campaign, $2 the rows' addresses
// when loaded, $3 contact ids, $4 statuses, $5 errors, $6 the statuses
// when loaded, all in the same order. The rows are read by their addresses
// (ctid = ANY: one TID scan, no index probe, whatever the statistics say;
// a join on the address alone may be planned as a scan of the campaign's
// rows while the table looks small) and matched in memory to the batch's
// outcomes, read once as rows (looking each row's outcome up in the arrays
// by its contact, in every column set, cost a third of the statement). A
// row is updated only while it still holds the same contact, pending with
// the status it was loaded with. The rows are not locked first (a lock
// writes each row once more). A row another transaction changed since the
// load has another address and is left alone (or, while that transaction
// is still open, is followed to its new version and recorded as if
// locked); recordLockedSQL records those that are still pending. None of
// the columns set is indexed, so the update stays on the row's page
// (heap-only) when the page has room.
const recordSQL = `WITH upd AS (
	UPDATE deliveries d SET status = v.status,
		attempts = d.attempts + CASE WHEN v.status = 'skipped' THEN 0 ELSE 1 END,
		done_at = CASE WHEN v.status = 'deferred' THEN NULL ELSE now() END,
		last_error = nullif(v.err, '')
	FROM unnest($2::tid[], $3::bigint[], $4::text[], $5::text[], $6::text[]) AS v(tid, contact_id, status, err, was)
	WHERE d.ctid = ANY ($2::tid[]) AND d.ctid = v.tid AND d.campaign_id = $1 AND d.contact_id = v.contact_id AND d.status = v.was
		AND d.status IN ('queued', 'deferred')
	RETURNING d.contact_id, v.was, d.status AS now
` + recordCountsSQL

// recordLockedSQL records the outcomes of rows recordSQL left alone: each
// pending row is found by one (campaign_id, contact_id) index probe and
// locked, then updated by its address. $1 campaign, $2 contact ids, $3
// statuses, $4 errors.
const recordLockedSQL = `WITH v AS (
	SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[]) AS v(contact_id, status, err)
), old AS (
	SELECT o.tid, o.status AS was, v.contact_id, v.status, v.err FROM v CROSS JOIN LATERAL (
		SELECT d.ctid AS tid, d.status FROM deliveries d WHERE d.campaign_id = $1 AND d.contact_id = v.contact_id
		AND d.status IN ('queued', 'deferred') LIMIT 1 FOR UPDATE) o
), upd AS (
	UPDATE deliveries d SET status = o.status,
		attempts = d.attempts + CASE WHEN o.status = 'skipped' THEN 0 ELSE 1 END,
		done_at = CASE WHEN o.status = 'deferred' THEN NULL ELSE now() END,
		last_error = nullif(o.err, '')
	FROM old o
	WHERE d.ctid = ANY (ARRAY(SELECT tid FROM old)) AND d.ctid = o.tid AND d.status IN ('queued', 'deferred')
	RETURNING d.contact_id, o.was, d.status AS now
` + recordCountsSQL

// recordCountsSQL ends recordSQL and recordLockedSQL: the counters move by
// the rows changed (upd), in the same statement.
const recordCountsSQL = `), counts AS (
	SELECT count(*) FILTER (WHERE now = 'sent') AS sent, count(*) FILTER (WHERE now = 'bounced') AS bounced,
		count(*) FILTER (WHERE now = 'failed') AS failed, count(*) FILTER (WHERE now = 'skipped') AS skipped,
		count(*) FILTER (WHERE now = 'deferred') AS deferred, count(*) FILTER (WHERE was = 'deferred') AS redeferred
	FROM upd
), stats AS (
	UPDATE campaign_stats cs SET sent = cs.sent + n.sent, bounced = cs.bounced + n.bounced, failed = cs.failed + n.failed,
		skipped = cs.skipped + n.skipped, deferred = cs.deferred + n.deferred - n.redeferred,
		retries = cs.retries + n.redeferred, updated_at = now()
	FROM counts n WHERE cs.campaign_id = $1
)
SELECT contact_id, was, now FROM upd`

// claimScript marks each contact KEYS[i] as being sent from stream entry
// ARGV[i] for ARGV[n+1] ms, unless another entry holds it; it returns 1
// (claimed, or already held by the same entry: a reclaim) or 0 per key.
// Every key carries the campaign's hash tag.
var claimScript = redis.NewScript(`
local ttl = tonumber(ARGV[#KEYS + 1])
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if (not v) or v == ARGV[i] then
    redis.call('SET', k, ARGV[i], 'PX', ttl)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`)

// claimKey marks a contact of the campaign as in flight: <prefix>{c42}:s:<contact>.
func (s *Service) claimKey(id, contactID int64) string {
	return s.opt.KeyPrefix + "{c" + strconv.FormatInt(id, 10) + "}:s:" + strconv.FormatInt(contactID, 10)
}

// claim returns the entries (one per contact) whose contact it could mark
// as being sent from that entry. An entry whose contact another entry is
// sending right now is a duplicate (e.g. from an expansion that crashed
// before committing) and is only acknowledged. The marks expire after
// ClaimIdle, when a dead worker's entries may be reclaimed.
func (s *Service) claim(ctx context.Context, id int64, es []entry) ([]entry, error) {
	seen := make(map[int64]bool, len(es))
	uniq := make([]entry, 0, len(es))
	for _, e := range es {
		if e.contactID > 0 && !seen[e.contactID] {
			seen[e.contactID] = true
			uniq = append(uniq, e)
		}
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	keys := make([]string, len(uniq))
	args := make([]any, len(uniq)+1)
	for i, e := range uniq {
		keys[i], args[i] = s.claimKey(id, e.contactID), e.streamID
	}
	args[len(uniq)] = s.opt.ClaimIdle.Milliseconds()
	got, err := claimScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	out := uniq[:0]
	for i, e := range uniq {
		if i < len(got) && got[i] == 1 {
			out = append(out, e)
		}
	}
	return out, nil
}

// release drops the claims of entries whose batch failed, so a retry
// need not wait for them to expire.
func (s *Service) release(ctx context.Context, id int64, claimed []entry) {
	keys := make([]string, len(claimed))
	for i, e := range claimed {
		keys[i] = s.claimKey(id, e.contactID)
	}
	if len(keys) > 0 {
		s.rdb.Del(context.WithoutCancel(ctx), keys...)
	}
}

// ack acknowledges and deletes the entries from the stream and releases
// the claims.
func (s *Service) ack(ctx context.Context, id int64, es []entry, claimed []entry) error {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.streamID
	}
	key := s.streamKey(id)
	claims := make([]string, len(claimed))
	for i, e := range claimed {
		claims[i] = s.claimKey(id, e.contactID)
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, key, group, ids...)
		p.XDel(ctx, key, ids...)
		if len(claims) > 0 {
			p.Del(ctx, claims...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	return nil
}
