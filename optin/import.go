package optin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/sync/errgroup"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/jobs"
)

// ImportParams say what an import file is and what consent it carries.
type ImportParams struct {
	// Format: csv or ndjson; required.
	Format string `json:"format"`
	// Source: how these contacts gave consent (import, manual, api, webform, update-page); required.
	Source string `json:"source"`
	// Purpose the contacts consented to; required.
	Purpose string `json:"purpose"`
	// Lists to subscribe every row to; optional.
	Lists []int64 `json:"lists"`
	// Confirmed: the consent was already confirmed elsewhere (double opt-in
	// lists are then confirmed at once); optional, default false.
	Confirmed bool `json:"confirmed"`
	// UpdateExisting overwrites name and merges attributes of contacts that
	// exist already; optional, default false (existing data is kept).
	UpdateExisting bool `json:"update_existing"`
	// Evidence: file name, form text, note; optional.
	Evidence string `json:"evidence"`
	// EmailColumn and NameColumn name the CSV header columns holding the
	// address and the name (case-insensitive); optional, by default the
	// columns called email (e-mail, email_address) and name.
	EmailColumn string `json:"email_column,omitempty"`
	NameColumn  string `json:"name_column,omitempty"`
}

// Validate checks the parameters.
func (p *ImportParams) Validate() error {
	if p.Format != "csv" && p.Format != "ndjson" {
		return errs.Invalid("format", "must be csv or ndjson")
	}
	if !contains(contacts.Sources, p.Source) {
		return errs.Invalid("source", "is required: one of "+strings.Join(contacts.Sources, ", "))
	}
	for _, f := range []struct{ name, v string }{{"purpose", p.Purpose}, {"evidence", p.Evidence}} {
		if err := errs.Text(f.name, f.v); err != nil {
			return err
		}
	}
	if strings.TrimSpace(p.Purpose) == "" || len(p.Purpose) > 2000 {
		return errs.Invalid("purpose", "is required, at most 2000 characters")
	}
	if len(p.Evidence) > 2000 {
		return errs.Invalid("evidence", "is longer than 2000 characters")
	}
	for _, f := range []struct{ name, v string }{{"email_column", p.EmailColumn}, {"name_column", p.NameColumn}} {
		if err := errs.Text(f.name, f.v); err != nil {
			return err
		}
		if len(f.v) > 200 {
			return errs.Invalid(f.name, "is longer than 200 characters")
		}
	}
	if p.EmailColumn != "" && strings.EqualFold(strings.TrimSpace(p.EmailColumn), strings.TrimSpace(p.NameColumn)) {
		return errs.Invalid("name_column", "is the same column as the email column")
	}
	return nil
}

// ImportBatch is how many rows go to Postgres in one COPY and transaction.
// Two batches are written at once: a file's rows for one address never reach
// two batches (the first row wins, later ones are reported as duplicates).
const ImportBatch = 5000

// Importer streams contact files into Postgres in COPY batches. Each batch is
// one transaction that also advances the job, so an interrupted import has
// applied exactly what its job says.
type Importer struct {
	db       *db.Pool
	contacts *contacts.Store
	jobs     *jobs.Store
	log      *slog.Logger
}

// NewImporter returns an importer.
func NewImporter(db *db.Pool, cs *contacts.Store, js *jobs.Store, log *slog.Logger) *Importer {
	return &Importer{db: db, contacts: cs, jobs: js, log: log}
}

// Run imports r into the job jobID and finishes the job. A file-level
// problem (bad header, wrong encoding) fails the job; row problems are
// counted and reported per row.
func (im *Importer) Run(ctx context.Context, jobID int64, r io.Reader, p ImportParams) (err error) {
	var processed int64
	defer im.jobs.KeepAlive(ctx, jobID)()
	defer func() {
		// A bug in a reader must fail the job, not the daemon.
		if v := recover(); v != nil {
			err = fmt.Errorf("optin: import: internal error: %v", v)
			im.jobs.Finish(context.WithoutCancel(ctx), jobID, processed, err)
		}
	}()
	if rs, ok := r.(io.ReadSeeker); ok {
		// The rows ahead are the job's total, so its progress is rows done
		// of rows in the file; a reader that cannot go back (a pipe) leaves
		// it unknown and the job counts rows only.
		var n int64
		if n, err = rowsAhead(rs, p.Format == "csv"); err == nil {
			im.jobs.SetTotal(ctx, jobID, n)
		}
	}
	if err == nil {
		processed, err = im.run(ctx, jobID, r, p)
	}
	if err == nil {
		// The count of lines is high by the line breaks inside fields; a
		// finished job's total is the rows it read.
		im.jobs.SetTotal(ctx, jobID, processed)
		// The first campaign after an import must not be planned on the
		// statistics of the list before it.
		if aerr := db.AnalyzeStale(ctx, im.db, "contacts", "subscriptions", "consent_records"); aerr != nil {
			im.log.Warn("optin: import: analyze failed; autovacuum will catch up", slog.Any("error", aerr))
		}
	}
	if ferr := im.jobs.Finish(context.WithoutCancel(ctx), jobID, processed, jobError(err)); ferr != nil && err == nil {
		err = ferr
	}
	im.log.Info("import finished", slog.Int64("job_id", jobID), slog.Int64("rows", processed), slog.Any("error", err))
	return err
}

// rowsAhead counts the rows r holds from where it stands, less the header
// line when header, and goes back there: a row is a line (a CSV field with
// a line break in it makes the count high by one).
func rowsAhead(r io.ReadSeeker, header bool) (int64, error) {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	var lines int64
	buf := make([]byte, 64<<10)
	last := byte('\n')
	for {
		n, err := r.Read(buf)
		if n > 0 {
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			last = buf[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("reading the file: %w", err)
		}
	}
	if last != '\n' {
		lines++
	}
	if header && lines > 0 {
		lines--
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return 0, err
	}
	return lines, nil
}

// jobError is what the job reports for err: a database failure is told in
// the product's words with its SQLSTATE (the full error is logged), never as
// the raw Postgres message; a shutdown says so.
func jobError(err error) error {
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("a batch could not be written to the database (SQLSTATE %s); the counts show what was applied", pe.Code)
	case errors.Is(err, context.Canceled):
		return errors.New("stopped by a shutdown; the counts show what was applied")
	}
	return err
}

func (im *Importer) run(ctx context.Context, jobID int64, r io.Reader, p ImportParams) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	var rr rowReader
	var err error
	if p.Format == "csv" {
		rr, err = newCSVReader(r, p.EmailColumn, p.NameColumn)
	} else {
		rr, err = newNDJSONReader(r)
	}
	if err != nil {
		return 0, err
	}
	const workers = 2
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan *batch, workers)
	for range workers {
		g.Go(func() error {
			for b := range batches {
				if err := im.flush(gctx, jobID, b, p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	total, readErr := readBatches(gctx, rr, batches, newDuplicates(im.jobs, jobID).drop)
	close(batches)
	if err := g.Wait(); err != nil {
		return total, err
	}
	return total, readErr
}

// readBatches parses rows into batches of ImportBatch and hands them on, so
// parsing overlaps with the database work. Before a batch goes, dedupe
// removes its rows whose address an earlier batch had (in file order, so the
// first row of an address always wins).
func readBatches(ctx context.Context, rr rowReader, out chan<- *batch, dedupe func(context.Context, *batch) error) (int64, error) {
	var total int64
	b := newBatch()
	send := func() error {
		if err := dedupe(ctx, b); err != nil {
			return err
		}
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		total++
		if re, ok := asRowErr(err); ok {
			b.fail(re)
		} else if err != nil {
			return total, err
		} else {
			b.add(row)
		}
		if b.size() >= ImportBatch {
			if err := send(); err != nil {
				return total, err
			}
			b = newBatch()
		}
	}
	return total, send()
}

// batch holds validated rows keyed by lower-cased address and the rows that
// failed.
type batch struct {
	rows   map[string]importRow
	order  []string
	failed []jobs.RowError
	seen   int64
}

func newBatch() *batch { return &batch{rows: map[string]importRow{}} }

func (b *batch) size() int { return int(b.seen) }

func (b *batch) fail(re jobs.RowError) { b.failed = append(b.failed, re); b.seen++ }

// remove takes the rows of the addresses in gone out of the batch (their
// row errors are recorded by the caller).
func (b *batch) remove(gone map[string]bool) {
	if len(gone) == 0 {
		return
	}
	kept := b.order[:0]
	for _, k := range b.order {
		if gone[k] {
			delete(b.rows, k)
		} else {
			kept = append(kept, k)
		}
	}
	b.order = kept
}

func (b *batch) add(row importRow) {
	b.seen++
	email, err := contacts.NormalizeEmail("email", row.Email)
	if err == nil {
		err = errs.Name("name", row.Name)
	}
	if err == nil {
		err = contacts.ValidateAttributes("attributes", row.Attributes)
	}
	if err != nil {
		e := err.(*errs.Error)
		b.failed = append(b.failed, jobs.RowError{Row: row.Row, Field: e.Field, Reason: e.Message})
		return
	}
	row.Email = email
	key := strings.ToLower(email)
	if first, dup := b.rows[key]; dup {
		b.failed = append(b.failed, duplicateOf(row.Row, first.Row))
		return
	}
	b.order = append(b.order, key)
	b.rows[key] = row
}

func (im *Importer) flush(ctx context.Context, jobID int64, b *batch, p ImportParams) error {
	if b.seen == 0 {
		return nil
	}
	if err := im.dropBlocked(ctx, b); err != nil {
		return err
	}
	// One lock order for every batch, so concurrent batches never deadlock.
	sort.Strings(b.order)
	return pgx.BeginFunc(ctx, im.db, func(tx pgx.Tx) error {
		if p.UpdateExisting {
			if err := dropOverfull(ctx, tx, b); err != nil {
				return err
			}
		}
		ids, err := im.upsert(ctx, tx, b, p)
		if err != nil {
			return err
		}
		if len(p.Lists) > 0 {
			if err := subscribeImported(ctx, tx, ids, p); err != nil {
				return err
			}
			// New subscriptions can only end one-star (floater) state, and
			// only for contacts that have it; an import never causes it.
			if err := contacts.SyncOneStar(ctx, tx, oneStarAmong(ctx, tx, ids)); err != nil {
				return err
			}
		}
		return jobs.AdvanceTx(ctx, tx, jobID, jobs.Progress{Processed: b.seen, Applied: int64(len(ids)),
			Failed: int64(len(b.failed)), Errors: b.failed})
	})
}

// dropBlocked removes blocklisted addresses from the batch, as row errors.
func (im *Importer) dropBlocked(ctx context.Context, b *batch) error {
	if len(b.order) == 0 {
		return nil
	}
	hashes := make([][]byte, len(b.order))
	byHash := map[string]string{}
	for i, k := range b.order {
		hashes[i] = im.contacts.Hash(k)
		byHash[string(hashes[i])] = k
	}
	rows, err := im.db.Query(ctx, `SELECT email_hash FROM blocklist
		WHERE department_id = postbode_department() AND email_hash = ANY($1)`, hashes)
	if err != nil {
		return fmt.Errorf("optin: import: blocklist: %w", err)
	}
	blocked, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return err
	}
	gone := map[string]bool{}
	for _, h := range blocked {
		k := byHash[string(h)]
		b.failed = append(b.failed, jobs.RowError{Row: b.rows[k].Row, Field: "email", Reason: "address is on the blocklist"})
		gone[k] = true
	}
	b.remove(gone)
	return nil
}

// dropOverfull removes from the batch, as row errors, the rows whose
// attributes merged into their contact's (update_existing) would outgrow
// contacts.MaxAttributes, as a PATCH of the contact is refused. The
// contacts are locked in the order the upsert takes them, so no other
// change slips in between the count and the merge.
func dropOverfull(ctx context.Context, tx pgx.Tx, b *batch) error {
	var emails []string
	for _, k := range b.order {
		if len(b.rows[k].Attributes) > 0 {
			emails = append(emails, k)
		}
	}
	if len(emails) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT lower(email), attributes FROM contacts
		WHERE department_id = postbode_department() AND lower(email) = ANY($1) ORDER BY lower(email) FOR UPDATE`, emails)
	if err != nil {
		return fmt.Errorf("optin: import: attributes: %w", err)
	}
	type current struct {
		Email string
		Attrs map[string]any
	}
	cur, err := pgx.CollectRows(rows, pgx.RowToStructByPos[current])
	if err != nil {
		return fmt.Errorf("optin: import: attributes: %w", err)
	}
	gone := map[string]bool{}
	for _, c := range cur {
		row, ok := b.rows[c.Email]
		if !ok {
			continue
		}
		n := len(c.Attrs)
		for k := range row.Attributes {
			if _, had := c.Attrs[k]; !had {
				n++
			}
		}
		if n > contacts.MaxAttributes {
			e := contacts.TooManyAttributes()
			b.failed = append(b.failed, jobs.RowError{Row: row.Row, Field: e.Field, Reason: e.Message})
			gone[c.Email] = true
		}
	}
	b.remove(gone)
	return nil
}

// upsert COPYs the batch into a temporary table and merges it into contacts
// in one statement, returning the ids of every contact the batch names.
func (im *Importer) upsert(ctx context.Context, tx pgx.Tx, b *batch, p ImportParams) ([]int64, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_rows (email text, name text, attributes jsonb) ON COMMIT DROP`); err != nil {
		return nil, fmt.Errorf("optin: import: temp table: %w", err)
	}
	src := pgx.CopyFromSlice(len(b.order), func(i int) ([]any, error) {
		row := b.rows[b.order[i]]
		attrs := row.Attributes
		if attrs == nil {
			attrs = map[string]any{}
		}
		return []any{row.Email, row.Name, attrs}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, []string{"email", "name", "attributes"}, src); err != nil {
		return nil, fmt.Errorf("optin: import: copy: %w", err)
	}
	set := `email = contacts.email`
	if p.UpdateExisting {
		set = `name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE contacts.name END,
			attributes = contacts.attributes || EXCLUDED.attributes, updated_source = 'import', updated_at = now()`
	}
	rows, err := tx.Query(ctx, `INSERT INTO contacts (email, name, attributes, source, updated_source)
		SELECT email, name, attributes, $1, 'import' FROM import_rows
		ORDER BY lower(email)
		ON CONFLICT (department_id, (lower(email))) DO UPDATE SET `+set+` RETURNING id`, p.Source)
	if err != nil {
		return nil, fmt.Errorf("optin: import: upsert: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	slices.Sort(ids)
	return ids, err
}

// oneStarAmong returns the ids that are one-star now (usually none).
func oneStarAmong(ctx context.Context, tx pgx.Tx, ids []int64) []int64 {
	rows, err := tx.Query(ctx, `SELECT id FROM contacts WHERE id = ANY($1) AND one_star_since IS NOT NULL`, ids)
	if err != nil {
		return ids
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return ids
	}
	return out
}

// subscribeImported subscribes the batch's contacts to the import's lists,
// leaving existing subscriptions (and every unsubscribe) alone, and appends a
// consent record for each new subscription, in one statement.
func subscribeImported(ctx context.Context, tx pgx.Tx, ids []int64, p ImportParams) error {
	_, err := tx.Exec(ctx, `WITH ins AS (
		INSERT INTO subscriptions AS s (contact_id, list_id, status)
		SELECT c.id, l.id, CASE WHEN l.optin = 'single' OR $3 THEN 'confirmed' ELSE 'unconfirmed' END
		FROM unnest($1::bigint[]) AS c(id) CROSS JOIN lists l WHERE l.id = ANY($2)
		ON CONFLICT (contact_id, list_id) DO UPDATE SET status = 'confirmed', updated_at = now()
			WHERE s.status = 'unconfirmed' AND EXCLUDED.status = 'confirmed' AND NOT `+leftSQL("s")+`
		RETURNING contact_id, list_id, status)
	INSERT INTO consent_records (contact_id, list_id, action, source, purpose, evidence)
	SELECT contact_id, list_id, CASE WHEN status = 'confirmed' AND $3 THEN 'confirm' ELSE 'opt-in' END, 'import', $4, $5 FROM ins`,
		ids, p.Lists, p.Confirmed, p.Purpose, p.Evidence)
	if err != nil {
		return fmt.Errorf("optin: import: subscribe: %w", err)
	}
	return nil
}
