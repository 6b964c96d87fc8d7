package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/audit"
)

// Audit actions.
const (
	ActionErase            = "erase"
	ActionExport           = "export"
	ActionBulkRead         = "bulk-read"
	ActionRetentionRun     = "retention-run"
	ActionRetentionPreview = "retention-preview"
	ActionReport           = "report"
	ActionRequestFulfil    = "request-fulfil"
	ActionRequestVerified  = "request-verified"
	ActionRequestMailed    = "request-mailed" // a verification link was mailed (actor "public")
	ActionRequestReject    = "request-reject"
	ActionSegment          = "segment"        // contact ids drawn from a report
	ActionContactChange    = "contact-change" // legal holds, attribute deletions
	ActionSettingChange    = "setting-change" // hidden attributes
)

// Entry is one audit log entry: who did what to how many, when. It never
// holds personal data of the subjects.
type Entry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	TargetKind string    `json:"target_kind"`
	TargetID   *int64    `json:"target_id"`
	Count      int64     `json:"count"`
	Cause      string    `json:"cause"`
	// DepartmentID is the department whose log gets the entry; 0: the
	// request's (audit.Write).
	DepartmentID int64 `json:"-"`
}

func writeAudit(ctx context.Context, tx pgx.Tx, e Entry) error {
	return insertAudit(ctx, tx, e)
}

func insertAudit(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, e Entry) error {
	return audit.Write(ctx, q, audit.Entry{Actor: e.Actor, Action: e.Action, TargetKind: e.TargetKind,
		TargetID: e.TargetID, Count: e.Count, Cause: e.Cause, DepartmentID: e.DepartmentID})
}

// Audit appends an entry outside any transaction.
func (s *Service) Audit(ctx context.Context, e Entry) error {
	return insertAudit(ctx, s.db, e)
}

// AuditLog returns entries after id `after`, at most limit+1, optionally of one action.
func (s *Service) AuditLog(ctx context.Context, action string, after int64, limit int) ([]Entry, error) {
	rows, err := s.db.Query(ctx, `SELECT id, at, actor, action, target_kind, target_id, count, cause, department_id
		FROM audit_log WHERE id > $1 AND ($2 = '' OR action = $2) ORDER BY id LIMIT $3`, after, action, limit+1)
	if err != nil {
		return nil, fmt.Errorf("privacy: audit log: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Entry])
}

// AuditLatest returns entries of the given actions (none: every action)
// newest first: those with an id below before (0: from the newest), at
// most limit+1 (the last one's id is the next page's cursor,
// httpapi.NewPage). The console's audit log and erasure log read it; the
// API's audit log (AuditLog) keeps oldest first.
func (s *Service) AuditLatest(ctx context.Context, actions []string, before int64, limit int) ([]Entry, error) {
	rows, err := s.db.Query(ctx, `SELECT id, at, actor, action, target_kind, target_id, count, cause, department_id
		FROM audit_log WHERE ($1 = 0 OR id < $1) AND (coalesce(cardinality($2::text[]), 0) = 0 OR action = ANY($2))
		ORDER BY id DESC LIMIT $3`, before, actions, limit+1)
	if err != nil {
		return nil, fmt.Errorf("privacy: audit log: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Entry])
}
