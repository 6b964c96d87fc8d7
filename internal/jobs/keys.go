package jobs

import (
	"context"
	"fmt"
)

// FirstRows records keys (each with its row) as seen by job id and returns,
// for each key the job had recorded in an earlier call, its row mapped to the
// row the key was first recorded with. It is a running job's memory of what
// it has seen, kept in Postgres rather than in the process (an import of
// millions of rows); the keys are deleted when the job ends or is found dead.
// Keys must be distinct within one call; a job that is no longer running
// records nothing.
func (s *Store) FirstRows(ctx context.Context, id int64, keys [][]byte, rows []int64) (map[int64]int64, error) {
	// The final SELECT does not see the rows inserted by the same statement,
	// so it joins only keys recorded by earlier calls.
	res, err := s.db.Query(ctx, `WITH input AS (SELECT k, r FROM unnest($2::bytea[], $3::bigint[]) AS t(k, r)),
		ins AS (INSERT INTO job_keys (job_id, key, first_row) SELECT $1, k, r FROM input
			WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND status = 'running') ON CONFLICT DO NOTHING)
		SELECT i.r, s.first_row FROM input i JOIN job_keys s ON s.job_id = $1 AND s.key = i.k`, id, keys, rows)
	if err != nil {
		return nil, fmt.Errorf("jobs: first rows: %w", err)
	}
	defer res.Close()
	dups := map[int64]int64{}
	for res.Next() {
		var row, first int64
		if err := res.Scan(&row, &first); err != nil {
			return nil, fmt.Errorf("jobs: first rows: %w", err)
		}
		dups[row] = first
	}
	return dups, res.Err()
}

// dropKeys deletes the keys of the given jobs (found dead; a job that ends
// deletes its own in Finish).
func (s *Store) dropKeys(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM job_keys WHERE job_id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("jobs: drop keys: %w", err)
	}
	return nil
}
