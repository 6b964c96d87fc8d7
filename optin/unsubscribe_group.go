package optin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
)

// Group commit limits of recipient unsubscribes.
const (
	unsubGroupMax     = 500              // unsubscribes per transaction at most
	unsubGroupTimeout = 10 * time.Second // one group's transaction at most
)

// unsubGroup commits recipient unsubscribes in groups: unsubscribes that
// arrive while a group's transaction is in flight wait, and go together in
// the next one — one round trip, one set-based statement and one commit
// for the whole group (group commit). No caller waits for a timer: an
// unsubscribe alone is committed at once, and under a burst a group grows
// to what arrived during one commit. Every caller gets its answer after the
// commit that holds its change, so a page says "done" only for what is
// durable.
type unsubGroup struct {
	db *db.Pool

	mu      sync.Mutex
	pending []*unsubReq
	running bool
}

// unsubReq is one unsubscribe: leave the lists of campaignID (every list
// when all, or when the campaign names none) with consent c.
type unsubReq struct {
	contactID  int64
	campaignID int64
	all        bool
	c          Consent

	done chan struct{}
	n    int // lists left
	err  error
}

// do commits r with the next group and returns how many lists it left.
// It waits for the commit even when ctx ends, so the answer always says
// what happened; the group's own timeout bounds the wait.
func (g *unsubGroup) do(r *unsubReq) (int, error) {
	r.done = make(chan struct{})
	g.mu.Lock()
	g.pending = append(g.pending, r)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go g.run()
	}
	<-r.done
	return r.n, r.err
}

// run commits groups until nothing is pending.
func (g *unsubGroup) run() {
	for {
		g.mu.Lock()
		group := g.pending
		if len(group) > unsubGroupMax {
			group = group[:unsubGroupMax:unsubGroupMax]
		}
		g.pending = g.pending[len(group):]
		if len(group) == 0 {
			g.running = false
			g.pending = nil
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.commitGroup(group)
	}
}

// commitGroup commits a group; when the group fails as a whole (a
// deadlock with another writer, say), each unsubscribe is tried alone so
// one cannot fail the others.
func (g *unsubGroup) commitGroup(group []*unsubReq) {
	err := g.commit(group)
	if err != nil && len(group) > 1 {
		for _, r := range group {
			r.err = g.commit([]*unsubReq{r})
		}
	} else {
		for _, r := range group {
			r.err = err
		}
	}
	for _, r := range group {
		if r.err != nil {
			r.n = 0
		}
		close(r.done)
	}
}

// commit runs a group as one batch — an implicit transaction with one
// Sync: per round (a contact occurs at most once per round) the set-based
// unsubscribe and the one-star sync of its contacts.
func (g *unsubGroup) commit(group []*unsubReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), unsubGroupTimeout)
	defer cancel()
	b := &pgx.Batch{}
	for _, round := range unsubRounds(group) {
		queueUnsubRound(b, round)
		ids := make([]int64, len(round))
		for i, r := range round {
			ids[i] = r.contactID
		}
		if err := contacts.SyncOneStar(ctx, batchQuerier{b}, ids); err != nil {
			return err
		}
	}
	if err := g.db.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("optin: unsubscribe: %w", err)
	}
	return nil
}

// unsubRounds splits a group so that no contact occurs twice in a round
// (a statement changes a row at most once); rounds keep arrival order.
func unsubRounds(group []*unsubReq) [][]*unsubReq {
	var rounds [][]*unsubReq
	seen := map[int64]int{} // contact → rounds it is in
	for _, r := range group {
		i := seen[r.contactID]
		seen[r.contactID] = i + 1
		if i == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[i] = append(rounds[i], r)
	}
	return rounds
}

// unsubRoundSQL leaves, for each input row, the lists of its campaign
// (every list when all_lists, or when the campaign names none) with an
// opt-out consent record per list left (purpose: the one given, else the
// list's), after locking the contacts in id order; it returns the lists
// left per input row.
const unsubRoundSQL = `WITH x AS (
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
			WITH ORDINALITY AS x(contact_id, campaign_id, all_lists, source, purpose, ip, user_agent, evidence, ord)),
	lk AS (SELECT id FROM contacts WHERE id = ANY($1) ORDER BY id FOR UPDATE),
	lft AS (UPDATE subscriptions s SET status = 'unsubscribed', updated_at = now()
		FROM x LEFT JOIN campaigns k ON k.id = x.campaign_id
		WHERE s.contact_id = x.contact_id AND s.status <> 'unsubscribed'
			AND (x.all_lists OR k.list_ids IS NULL OR cardinality(k.list_ids) = 0 OR s.list_id = ANY(k.list_ids))
			AND s.contact_id IN (SELECT id FROM lk)
		RETURNING s.contact_id, s.list_id, x.source, x.purpose, x.ip, x.user_agent, x.evidence),
	cr AS (INSERT INTO consent_records (contact_id, list_id, action, source, purpose, ip, user_agent, evidence)
		SELECT f.contact_id, f.list_id, 'opt-out', f.source, CASE WHEN f.purpose = '' THEN coalesce(l.purpose, '') ELSE f.purpose END,
			nullif(f.ip, '')::inet, f.user_agent, f.evidence
		FROM lft f LEFT JOIN lists l ON l.id = f.list_id)
	SELECT (SELECT count(*) FROM lft WHERE lft.contact_id = x.contact_id) FROM x ORDER BY x.ord`

// queueUnsubRound queues one round's statement; its result sets each
// request's n.
func queueUnsubRound(b *pgx.Batch, round []*unsubReq) {
	n := len(round)
	ids, camps := make([]int64, n), make([]int64, n)
	all := make([]bool, n)
	src, purpose, ip, ua, ev := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range round {
		ids[i], camps[i], all[i] = r.contactID, r.campaignID, r.all
		src[i], purpose[i], ua[i], ev[i] = r.c.Source, r.c.Purpose, r.c.UserAgent, r.c.Evidence
		if r.c.IP.IsValid() {
			ip[i] = r.c.IP.String()
		}
	}
	b.Queue(unsubRoundSQL, ids, camps, all, src, purpose, ip, ua, ev).Query(func(rows pgx.Rows) error {
		left, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(left) != n {
			return fmt.Errorf("optin: unsubscribe: %d results for %d unsubscribes", len(left), n)
		}
		for i, r := range round {
			r.n = int(left[i])
		}
		return nil
	})
}
