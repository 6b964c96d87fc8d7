package privacy

import (
	"context"
	"fmt"
	"maps"
	"slices"
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

// RetentionReport is what one retention pass erased, or would erase
// (a dry run, which erases nothing), per cause.
type RetentionReport struct {
	Preview
	DryRun bool `json:"dry_run"`
}

// RunRetention erases every contact one-star longer than OneStarDays, in
// batches of BatchSize, each its own transaction whose rows are claimed with
// FOR UPDATE SKIP LOCKED: several janitors share the work without doing any
// twice, and an interruption leaves every batch erased entirely or not at
// all. It returns how many contacts it erased; one audit entry per batch
// records the count.
func (s *Service) RunRetention(ctx context.Context, actor string) (int64, error) {
	rep, err := s.RetentionPass(ctx, actor, false)
	return rep.Total, err
}

// RetentionPass runs one retention pass on demand (the janitor runs the
// same on its interval) and reports per cause what it erased; with dryRun
// it erases nothing and reports what it would erase (Preview).
func (s *Service) RetentionPass(ctx context.Context, actor string, dryRun bool) (RetentionReport, error) {
	if dryRun {
		pv, err := s.Preview(ctx, actor)
		return RetentionReport{Preview: pv, DryRun: true}, err
	}
	rep := RetentionReport{Preview: Preview{Enabled: s.opt.OneStarDays > 0, OneStarDays: s.opt.OneStarDays,
		ByCause: map[string]int64{RetentionInactive: 0, RetentionBlocklisted: 0, RetentionFloater: 0}}}
	if !rep.Enabled {
		return rep, nil
	}
	err := s.runRetention(ctx, actor, rep.ByCause)
	for _, n := range rep.ByCause {
		rep.Total += n
	}
	if err != nil && ctx.Err() != nil {
		// Shutdown: the batch in flight rolled back; nothing to count.
		return rep, err
	}
	if err != nil {
		s.janitorRuns.WithLabelValues("error").Inc()
		s.log.Error("retention run failed", "erased", rep.Total, "error", err)
		return rep, err
	}
	s.janitorRuns.WithLabelValues("ok").Inc()
	if rep.Total > 0 {
		s.log.Info("retention run", "erased", rep.Total)
	}
	return rep, nil
}

// runRetention erases the due contacts batch by batch, adding each
// erased contact to byCause.
func (s *Service) runRetention(ctx context.Context, actor string, byCause map[string]int64) error {
	cutoff := s.cutoff()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		erased, cause, err := s.retentionBatch(ctx, actor, cutoff)
		if err != nil {
			return err
		}
		if len(erased) == 0 {
			return nil
		}
		for _, id := range erased {
			byCause[cause[id]]++
		}
		s.erasures.WithLabelValues(CauseRetention).Add(float64(len(erased)))
		if err := s.runHooks(ctx, erased); err != nil {
			return err
		}
	}
}

// commitTimeout bounds the commit of a retention batch, which ctx does not
// cut short.
const commitTimeout = 30 * time.Second

// retentionBatch claims, erases and audits one batch in a transaction and
// returns the erased ids (with each one's cause) once it committed. A
// cancelled ctx stops the work before the commit (the batch rolls back);
// once the work is done the commit is not cancelled, so a batch that
// committed is always counted.
func (s *Service) retentionBatch(ctx context.Context, actor string, cutoff time.Time) ([]int64, map[int64]string, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("privacy: retention: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // after Commit: a no-op
	rows, err := tx.Query(ctx, `SELECT c.id, `+causeSQL+`, c.department_id FROM contacts c WHERE `+erasableSQL+`
		ORDER BY c.one_star_since, c.id LIMIT $2 FOR UPDATE SKIP LOCKED`, cutoff, s.opt.BatchSize)
	if err != nil {
		return nil, nil, fmt.Errorf("privacy: retention: claim: %w", err)
	}
	var ids []int64
	cause := map[int64]string{}
	dept := map[int64]int64{}
	var id, d int64
	var c string
	if _, err := pgx.ForEachRow(rows, []any{&id, &c, &d}, func() error {
		ids, cause[id], dept[id] = append(ids, id), c, d
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("privacy: retention: claim: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	erased, err := s.EraseTx(ctx, tx, ids)
	if err != nil {
		return nil, nil, err
	}
	// The janitor's batch spans departments: each one's audit log gets
	// the count of its own contacts.
	perDept := map[int64]int64{}
	for _, id := range erased {
		perDept[dept[id]]++
	}
	for _, d := range slices.Sorted(maps.Keys(perDept)) {
		if err := writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionRetentionRun, TargetKind: "contacts",
			Count: perDept[d], Cause: CauseRetention, DepartmentID: d}); err != nil {
			return nil, nil, err
		}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if err := tx.Commit(cctx); err != nil {
		return nil, nil, fmt.Errorf("privacy: retention: commit: %w", err)
	}
	return erased, cause, nil
}
