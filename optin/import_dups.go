package optin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/postbode/postbode/internal/jobs"
)

// duplicates reports a row whose address an earlier batch of the same file
// had, as "duplicate of row N", without holding the file's addresses in
// memory: each batch's addresses are recorded as the job's keys
// (jobs.FirstRows), hashed with a salt only this import knows.
type duplicates struct {
	jobs  *jobs.Store
	jobID int64
	salt  [16]byte
}

func newDuplicates(js *jobs.Store, jobID int64) *duplicates {
	d := &duplicates{jobs: js, jobID: jobID}
	rand.Read(d.salt[:])
	return d
}

// key is the salted hash of a lower-cased address (128 bits).
func (d *duplicates) key(addr string) []byte {
	h := sha256.New()
	h.Write(d.salt[:])
	h.Write([]byte(addr))
	return h.Sum(nil)[:16]
}

// drop records the batch's addresses and removes the rows an earlier batch
// had, as row errors.
func (d *duplicates) drop(ctx context.Context, b *batch) error {
	if len(b.order) == 0 {
		return nil
	}
	keys := make([][]byte, len(b.order))
	rows := make([]int64, len(b.order))
	for i, k := range b.order {
		keys[i], rows[i] = d.key(k), b.rows[k].Row
	}
	firsts, err := d.jobs.FirstRows(ctx, d.jobID, keys, rows)
	if err != nil {
		return fmt.Errorf("optin: import: duplicates: %w", err)
	}
	gone := map[string]bool{}
	for _, k := range b.order {
		if first, ok := firsts[b.rows[k].Row]; ok {
			b.failed = append(b.failed, duplicateOf(b.rows[k].Row, first))
			gone[k] = true
		}
	}
	b.remove(gone)
	return nil
}

func duplicateOf(row, first int64) jobs.RowError {
	return jobs.RowError{Row: row, Field: "email", Reason: fmt.Sprintf("duplicate of row %d", first)}
}
