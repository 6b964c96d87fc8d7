package privacy

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/jobs"
)

// Data minimisation (GDPR art. 5(1)(c)): an attribute no longer needed is
// hidden (kept, but shown only to the privacy role: marketers' API reads,
// mail templates and exports go without it; see contacts.VisibleAttributesSQL)
// or deleted physically from every contact or a segment by an audited job
// with a dry run.

// Audit: hiding and showing are setting changes, a deletion a change of
// the contacts, a dry run a report; the cause names the step and the key.

func validKey(key string) error {
	return contacts.ValidateAttributes("key", map[string]any{key: ""})
}

// HideAttribute hides an attribute key from every role but privacy and
// admin; reason is optional. Hiding a hidden key changes nothing.
func (s *Service) HideAttribute(ctx context.Context, key, reason, actor string) error {
	if err := validKey(key); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO hidden_attributes (key, reason, hidden_by) VALUES ($1, $2, $3)
			ON CONFLICT (department_id, key) DO NOTHING`, key, reason, actor)
		if err != nil {
			return fmt.Errorf("privacy: hide attribute: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionSettingChange, TargetKind: "setting", Count: 1, Cause: "attribute hidden: " + key})
	})
}

// ShowAttribute undoes HideAttribute.
func (s *Service) ShowAttribute(ctx context.Context, key, actor string) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM hidden_attributes WHERE key = $1`, key)
		if err != nil {
			return fmt.Errorf("privacy: show attribute: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFound("attribute_not_hidden", "the attribute is not hidden")
		}
		return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionSettingChange, TargetKind: "setting", Count: 1, Cause: "attribute shown: " + key})
	})
}

// HiddenAttribute is a hidden attribute key.
type HiddenAttribute struct {
	Key      string `json:"key"`
	Reason   string `json:"reason"`
	HiddenBy string `json:"hidden_by"`
	HiddenAt string `json:"hidden_at"`
}

// HiddenAttributes lists the hidden keys.
func (s *Service) HiddenAttributes(ctx context.Context) ([]HiddenAttribute, error) {
	rows, err := s.db.Query(ctx, `SELECT key, reason, hidden_by, to_json(hidden_at)#>>'{}' FROM hidden_attributes ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("privacy: hidden attributes: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[HiddenAttribute])
}

// AttributeScope picks the contacts of an attribute deletion: every
// contact, those on a list (any status), or the given ids. One of them.
type AttributeScope struct {
	All        bool    `json:"all"`
	ListID     int64   `json:"list_id"`
	ContactIDs []int64 `json:"contact_ids"`
}

func (sc AttributeScope) validate() error {
	n := 0
	for _, set := range []bool{sc.All, sc.ListID != 0, len(sc.ContactIDs) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return errs.Invalid("all", "give exactly one of all: true, list_id, contact_ids")
	case sc.ListID < 0:
		return errs.Invalid("list_id", "must be a positive id")
	case len(sc.ContactIDs) > 100000:
		return errs.Invalid("contact_ids", "at most 100000 ids; use a list for more")
	}
	return nil
}

// scopeSQL selects the contacts c in scope: $2 list id, $3 contact ids.
const scopeSQL = `c.attributes ? $1 AND ($2 = 0 OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.contact_id = c.id AND s.list_id = $2))
	AND (cardinality($3::bigint[]) = 0 OR c.id = ANY($3))`

// AttributeDeletion is the result of DeleteAttribute: the contacts in
// scope holding the key, and (not a dry run) the job that deletes it.
type AttributeDeletion struct {
	Key     string    `json:"key"`
	DryRun  bool      `json:"dry_run"`
	Matched int64     `json:"matched"`
	Job     *jobs.Job `json:"job,omitempty"`
}

// DeleteAttribute deletes an attribute key from the contacts in scope. A
// dry run only counts them (audited as such). Otherwise a job
// (jobs.KindAttributeDelete) is started and runs in the background in batches of
// BatchSize contacts, each batch one transaction with its progress; the
// job's applied count is the contacts changed. Wait waits for it.
func (s *Service) DeleteAttribute(ctx context.Context, key string, sc AttributeScope, dryRun bool, actor string) (AttributeDeletion, error) {
	out := AttributeDeletion{Key: key, DryRun: dryRun}
	if err := validKey(key); err != nil {
		return out, err
	}
	if err := sc.validate(); err != nil {
		return out, err
	}
	ids := sc.ContactIDs
	if ids == nil {
		ids = []int64{}
	}
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM contacts c WHERE `+scopeSQL, key, sc.ListID, ids).Scan(&out.Matched); err != nil {
		return out, fmt.Errorf("privacy: delete attribute: %w", err)
	}
	action, cause := ActionContactChange, "attribute deleted: "+key
	if dryRun {
		action, cause = ActionReport, "attribute deletion dry run: "+key
	}
	if err := s.Audit(ctx, Entry{Actor: actor, Action: action, TargetKind: "contacts", Count: out.Matched, Cause: cause}); err != nil {
		return out, err
	}
	if dryRun {
		return out, nil
	}
	js := jobs.NewStore(s.db)
	job, err := js.Start(ctx, jobs.KindAttributeDelete, map[string]any{"key": key, "scope": sc}, actor)
	if err != nil {
		return out, err
	}
	out.Job = &job
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx := context.WithoutCancel(ctx)
		n, err := s.runAttributeDelete(ctx, job.ID, key, sc.ListID, ids)
		if ferr := js.Finish(ctx, job.ID, n, err); ferr != nil {
			s.log.Error("privacy: attribute deletion: finish job", "job_id", job.ID, "error", ferr)
		}
	}()
	return out, nil
}

// runAttributeDelete deletes the key batch by batch until no contact in
// scope holds it.
func (s *Service) runAttributeDelete(ctx context.Context, jobID int64, key string, listID int64, ids []int64) (int64, error) {
	var total int64
	for {
		var n int64
		err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE contacts SET attributes = attributes - $1::text, updated_at = now(), updated_source = 'system'
				WHERE id IN (SELECT c.id FROM contacts c WHERE `+scopeSQL+` LIMIT $4 FOR UPDATE SKIP LOCKED)`, key, listID, ids, s.opt.BatchSize)
			if err != nil {
				return fmt.Errorf("privacy: delete attribute: %w", err)
			}
			n = tag.RowsAffected()
			return jobs.AdvanceTx(ctx, tx, jobID, jobs.Progress{Processed: n, Applied: n})
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
