package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Retention causes: why a contact is one-star (see contacts.StarsSQL).
const (
	RetentionInactive    = "inactive"
	RetentionBlocklisted = "blocklisted"
	RetentionFloater     = "floater"
)

// causeSQL classifies a one-star contact c.
const causeSQL = `CASE c.status WHEN 'blocklisted' THEN 'blocklisted' WHEN 'inactive' THEN 'inactive' ELSE 'floater' END`

// Preview is the retention dry run.
type Preview struct {
	Enabled     bool             `json:"enabled"`
	OneStarDays int              `json:"one_star_days"`
	Total       int64            `json:"total"`
	ByCause     map[string]int64 `json:"by_cause"`
	// Held counts the contacts due that a legal hold keeps; HeldContacts
	// lists the first heldListed of them with the hold's reason.
	Held         int64         `json:"held"`
	HeldContacts []HeldContact `json:"held_contacts"`
}

// heldListed caps Preview.HeldContacts.
const heldListed = 100

// dueSQL selects contacts due for retention: $1 is the cut-off time.
const dueSQL = `c.one_star_since IS NOT NULL AND c.one_star_since < $1`

// erasableSQL: due and not kept by a legal hold.
const erasableSQL = dueSQL + ` AND NOT ` + heldSQL

func (s *Service) cutoff() time.Time {
	return time.Now().Add(-time.Duration(s.opt.OneStarDays) * 24 * time.Hour)
}

// Preview counts the contacts the janitor would erase now, per cause, and
// writes an audit entry (counts only).
func (s *Service) Preview(ctx context.Context, actor string) (Preview, error) {
	pv := Preview{Enabled: s.opt.OneStarDays > 0, OneStarDays: s.opt.OneStarDays,
		ByCause: map[string]int64{RetentionInactive: 0, RetentionBlocklisted: 0, RetentionFloater: 0}}
	if pv.Enabled {
		rows, err := s.db.Query(ctx, `SELECT `+causeSQL+`, count(*) FROM contacts c WHERE `+erasableSQL+` GROUP BY 1`, s.cutoff())
		if err != nil {
			return pv, fmt.Errorf("privacy: retention preview: %w", err)
		}
		for rows.Next() {
			var cause string
			var n int64
			if err := rows.Scan(&cause, &n); err != nil {
				return pv, err
			}
			pv.ByCause[cause] = n
			pv.Total += n
		}
		if err := rows.Err(); err != nil {
			return pv, fmt.Errorf("privacy: retention preview: %w", err)
		}
		if pv.HeldContacts, pv.Held, err = s.heldDue(ctx, heldListed); err != nil {
			return pv, err
		}
	}
	if pv.HeldContacts == nil {
		pv.HeldContacts = []HeldContact{}
	}
	err := s.Audit(ctx, Entry{Actor: actor, Action: ActionRetentionPreview, TargetKind: "contacts", Count: pv.Total, Cause: CauseRetention})
	return pv, err
}

// RunRetention erases every contact one-star longer than OneStarDays, in
// batches of BatchSize, each its own transaction whose rows are claimed with
// FOR UPDATE SKIP LOCKED: several janitors share the work without doing any
// twice, and an interruption leaves every batch erased entirely or not at
// all. It returns how many contacts it erased; one audit entry per batch
// records the count.
func (s *Service) RunRetention(ctx context.Context, actor string) (int64, error) {
	if s.opt.OneStarDays <= 0 {
		return 0, nil
	}
	n, err := s.runRetention(ctx, actor)
	if err != nil && ctx.Err() != nil {
		// Shutdown: the batch in flight rolled back; nothing to count.
		return n, err
	}
	if err != nil {
		s.janitorRuns.WithLabelValues("error").Inc()
		s.log.Error("retention run failed", "erased", n, "error", err)
		return n, err
	}
	s.janitorRuns.WithLabelValues("ok").Inc()
	if n > 0 {
		s.log.Info("retention run", "erased", n)
	}
	return n, nil
}

func (s *Service) runRetention(ctx context.Context, actor string) (int64, error) {
	var total int64
	cutoff := s.cutoff()
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var erased []int64
		err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT c.id FROM contacts c WHERE `+erasableSQL+`
				ORDER BY c.one_star_since, c.id LIMIT $2 FOR UPDATE SKIP LOCKED`, cutoff, s.opt.BatchSize)
			if err != nil {
				return fmt.Errorf("privacy: retention: claim: %w", err)
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return fmt.Errorf("privacy: retention: claim: %w", err)
			}
			if len(ids) == 0 {
				return nil
			}
			if erased, err = s.EraseTx(ctx, tx, ids); err != nil {
				return err
			}
			return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionRetentionRun, TargetKind: "contacts",
				Count: int64(len(erased)), Cause: CauseRetention})
		})
		if err != nil {
			return total, err
		}
		if len(erased) == 0 {
			return total, nil
		}
		total += int64(len(erased))
		s.erasures.WithLabelValues(CauseRetention).Add(float64(len(erased)))
		if err := s.runHooks(ctx, erased); err != nil {
			return total, err
		}
	}
}
