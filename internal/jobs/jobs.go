// Package jobs is in charge of long-running work visible to API users:
// imports, purges and erasure batches report progress, counts and the first
// errors in the jobs table, so a half-done job says what it applied. A
// running job's process stamps its heartbeat; a job whose heartbeat stops is
// marked failed by the sweep, which also deletes spooled uploads that no
// running job reads.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

// The kinds of job.
const (
	KindImport          = "import"           // a CSV or JSON import of contacts
	KindUpdatePurge     = "update-purge"     // erasing who did not answer an update mailing
	KindAttributeDelete = "attribute-delete" // deleting an attribute from contacts
)

// Kinds lists every kind of job, for filters and their checks.
var Kinds = []string{KindImport, KindUpdatePurge, KindAttributeDelete}

// MaxErrors is how many row errors a job keeps (the count keeps going).
const MaxErrors = 1000

// ErrNotFound is returned for an unknown job.
var ErrNotFound = errs.NotFound("job_not_found", "job not found")

// ErrNotRunning is returned when progress is added to a job that has ended,
// such as one marked failed because its heartbeat stopped: the runner must
// stop, so the job's counts stay what was applied.
var ErrNotRunning = errs.Conflict("job_not_running", "the job is no longer running")

// RowError is one rejected input row.
type RowError struct {
	Row    int64  `json:"row"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Job is the state of one long-running job.
type Job struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	Status     string          `json:"status"`
	Params     json.RawMessage `json:"params"`
	Total      int64           `json:"total"`
	Processed  int64           `json:"processed"`
	Applied    int64           `json:"applied"`
	Failed     int64           `json:"failed"`
	Errors     []RowError      `json:"errors"`
	Message    string          `json:"message"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	// HeartbeatAt is when the process running the job last said it was alive.
	HeartbeatAt time.Time `json:"heartbeat_at"`
	// SpoolFile is the path of the upload the job reads, if any.
	SpoolFile string `json:"-"`
}

// Store keeps jobs in Postgres.
type Store struct {
	db *db.Pool
	// beat is how often KeepAlive stamps a job (HeartbeatEvery).
	beat time.Duration
}

// NewStore returns a job store.
func NewStore(db *db.Pool) *Store { return &Store{db: db, beat: HeartbeatEvery} }

const cols = `id, kind, status, params, total, processed, applied, failed, errors, message, created_by, created_at, updated_at, finished_at,
	heartbeat_at, spool_file`

func scan(row pgx.Row) (Job, error) {
	var j Job
	err := row.Scan(&j.ID, &j.Kind, &j.Status, &j.Params, &j.Total, &j.Processed, &j.Applied, &j.Failed,
		&j.Errors, &j.Message, &j.CreatedBy, &j.CreatedAt, &j.UpdatedAt, &j.FinishedAt, &j.HeartbeatAt, &j.SpoolFile)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, ErrNotFound
	}
	return j, err
}

// collect scans every row of rows into jobs.
func collect(rows pgx.Rows) ([]Job, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) { return scan(r) })
}

// Start records a new running job. Its runner must call KeepAlive while it
// works, or the job is taken for dead after DeadAfter.
func (s *Store) Start(ctx context.Context, kind string, params any, createdBy string) (Job, error) {
	return s.StartSpooled(ctx, kind, params, createdBy, "")
}

// StartSpooled is Start for a job that reads the spooled upload at path:
// the file is deleted by whoever ends the job, or by the sweep that finds
// the job dead (see Sweeper).
func (s *Store) StartSpooled(ctx context.Context, kind string, params any, createdBy, path string) (Job, error) {
	if params == nil {
		params = map[string]any{}
	}
	j, err := scan(s.db.QueryRow(ctx, `INSERT INTO jobs (kind, params, created_by, spool_file) VALUES ($1, $2, $3, $4) RETURNING `+cols,
		kind, params, createdBy, path))
	if err != nil {
		return j, fmt.Errorf("jobs: start: %w", err)
	}
	return j, nil
}

// Get returns a job.
func (s *Store) Get(ctx context.Context, id int64) (Job, error) {
	return scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM jobs WHERE id = $1`, id))
}

// List returns jobs after id, newest last, at most limit+1.
func (s *Store) List(ctx context.Context, kind string, after int64, limit int) ([]Job, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM jobs WHERE id > $1 AND ($2 = '' OR kind = $2) ORDER BY id LIMIT $3`,
		after, kind, limit+1)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	return collect(rows)
}

// Latest returns jobs, optionally of one kind, newest first: those with an
// id below before (0: from the newest), at most limit+1 (the last one's id
// is the next page's cursor, httpapi.NewPage), as the console lists them.
func (s *Store) Latest(ctx context.Context, kind string, before int64, limit int) ([]Job, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM jobs WHERE ($1 = 0 OR id < $1) AND ($2 = '' OR kind = $2)
		ORDER BY id DESC LIMIT $3`, before, kind, limit+1)
	if err != nil {
		return nil, fmt.Errorf("jobs: latest: %w", err)
	}
	return collect(rows)
}

// Progress is a delta to add to a job's counters, with new row errors.
type Progress struct {
	Processed, Applied, Failed int64
	Errors                     []RowError
}

// AdvanceTx adds progress inside tx; the kept errors are capped at MaxErrors.
func AdvanceTx(ctx context.Context, tx pgx.Tx, id int64, p Progress) error {
	// Row errors may quote input: store them as text Postgres accepts.
	errsJSON := make([]RowError, len(p.Errors))
	for i, e := range p.Errors {
		errsJSON[i] = RowError{Row: e.Row, Field: errs.Printable(e.Field), Reason: errs.Printable(e.Reason)}
	}
	tag, err := tx.Exec(ctx, `UPDATE jobs SET processed = processed + $2, applied = applied + $3, failed = failed + $4,
		errors = CASE WHEN jsonb_array_length(errors) >= $6 THEN errors
			ELSE (SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM (
				SELECT e FROM jsonb_array_elements(errors || $5::jsonb) WITH ORDINALITY AS t(e, n) WHERE n <= $6) x) END,
		updated_at = now(), heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
		id, p.Processed, p.Applied, p.Failed, errsJSON, MaxErrors)
	if err != nil {
		return fmt.Errorf("jobs: advance: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("jobs: advance: job %d: %w", id, ErrNotRunning)
	}
	return nil
}

// Finish marks a running job done (err nil) or failed, with a message, and
// deletes its keys (FirstRows). A job already marked failed (found dead)
// keeps that state.
func (s *Store) Finish(ctx context.Context, id int64, total int64, jobErr error) error {
	status, msg := "done", ""
	if jobErr != nil {
		status, msg = "failed", jobErr.Error()
	}
	_, err := s.db.Exec(ctx, `WITH keys AS (DELETE FROM job_keys WHERE job_id = $1)
		UPDATE jobs SET status = $2, message = $3, total = greatest(total, $4),
		finished_at = now(), updated_at = now() WHERE id = $1 AND status = 'running'`, id, status, msg, total)
	if err != nil {
		return fmt.Errorf("jobs: finish: %w", err)
	}
	return nil
}

// SetTotal records how many items the job will process, when known.
func (s *Store) SetTotal(ctx context.Context, id, total int64) error {
	_, err := s.db.Exec(ctx, `UPDATE jobs SET total = $2, updated_at = now() WHERE id = $1`, id, total)
	return err
}
