package jobs_test

import "testing"

// TestFirstRows: a key recorded by an earlier call comes back with the row
// it was first recorded with; new keys and other jobs' keys do not; Finish
// deletes the job's keys.
func TestFirstRows(t *testing.T) {
	t.Parallel()
	pool, store := newStore(t)
	ctx := t.Context()
	a, _ := store.Start(ctx, "import", nil, "test")
	b, _ := store.Start(ctx, "import", nil, "test")
	k := func(s string) []byte { return []byte(s) }
	if d, err := store.FirstRows(ctx, a.ID, [][]byte{k("x"), k("y")}, []int64{2, 3}); err != nil || len(d) != 0 {
		t.Fatalf("first call: %v %v", d, err)
	}
	d, err := store.FirstRows(ctx, a.ID, [][]byte{k("z"), k("y")}, []int64{5001, 5002})
	if err != nil || len(d) != 1 || d[5002] != 3 {
		t.Fatalf("second call: %v %v, want row 5002 first seen at 3", d, err)
	}
	if d, _ := store.FirstRows(ctx, b.ID, [][]byte{k("y")}, []int64{9}); len(d) != 0 {
		t.Errorf("another job's keys leak: %v", d)
	}
	store.Finish(ctx, a.ID, 5002, nil)
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM job_keys WHERE job_id = $1`, a.ID).Scan(&n)
	if n != 0 {
		t.Errorf("%d keys left after Finish", n)
	}
}
