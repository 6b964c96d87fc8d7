package jobs_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
)

// spoolFile writes a spooled upload in dir, last written age ago.
func spoolFile(t *testing.T, dir string, age time.Duration) string {
	t.Helper()
	f, err := os.CreateTemp(dir, jobs.SpoolPattern)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("email,name\njan@example.org,Jan\n")
	f.Close()
	old := time.Now().Add(-age)
	if err := os.Chtimes(f.Name(), old, old); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func newStore(t *testing.T) (*db.Pool, *jobs.Store) {
	t.Helper()
	pool := testenv.DB(t)
	return pool, jobs.NewStore(pool)
}

// staleHeartbeat makes job id look silent for ten minutes.
func staleHeartbeat(t *testing.T, pool *db.Pool, id int64) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), `UPDATE jobs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
}

// TestSweepFailsDeadJobAndDeletesItsSpool: an import whose process died (a
// running job with a stale heartbeat and a spool file) is marked failed with
// the counts it committed, and its file is deleted; a live job and its file
// are left alone, as is an upload still arriving.
func TestSweepFailsDeadJobAndDeletesItsSpool(t *testing.T) {
	t.Parallel()
	pool, store := newStore(t)
	ctx := t.Context()
	dir := t.TempDir()

	deadFile := spoolFile(t, dir, time.Hour)
	dead, err := store.StartSpooled(ctx, "import", nil, "test", deadFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return jobs.AdvanceTx(ctx, tx, dead.ID, jobs.Progress{Processed: 5000, Applied: 4990, Failed: 10})
	}); err != nil {
		t.Fatal(err)
	}
	staleHeartbeat(t, pool, dead.ID)
	if _, err := store.FirstRows(ctx, dead.ID, [][]byte{[]byte("k1")}, []int64{2}); err != nil {
		t.Fatal(err)
	}

	liveFile := spoolFile(t, dir, time.Hour) // read by a job that still beats
	live, _ := store.StartSpooled(ctx, "import", nil, "test", liveFile)
	store.FirstRows(ctx, live.ID, [][]byte{[]byte("k1")}, []int64{7})
	arriving := spoolFile(t, dir, 0)         // an upload still being written
	orphan := spoolFile(t, dir, time.Hour)   // left by a process that died before its job row
	other := filepath.Join(dir, "notes.txt") // not a spool file
	os.WriteFile(other, []byte("x"), 0o600)

	sw := &jobs.Sweeper{Store: store, Dir: dir, DeadAfter: time.Minute}
	res, err := sw.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dead) != 1 || res.Dead[0].ID != dead.ID {
		t.Fatalf("dead jobs %+v, want job %d", res.Dead, dead.ID)
	}
	j, _ := store.Get(ctx, dead.ID)
	if j.Status != "failed" || j.Processed != 5000 || j.Applied != 4990 || j.Failed != 10 || j.FinishedAt == nil || j.Message == "" {
		t.Errorf("dead job after sweep: %+v", j)
	}
	if j, _ := store.Get(ctx, live.ID); j.Status != "running" {
		t.Errorf("live job: %+v", j)
	}
	for path, want := range map[string]bool{deadFile: false, orphan: false, liveFile: true, arriving: true, other: true} {
		if exists(path) != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(path), !want, want)
		}
	}
	var deadKeys, liveKeys int
	pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE job_id = $1), count(*) FILTER (WHERE job_id = $2) FROM job_keys`,
		dead.ID, live.ID).Scan(&deadKeys, &liveKeys)
	if deadKeys != 0 || liveKeys != 1 {
		t.Errorf("job keys after the sweep: dead job %d, live job %d; want 0, 1", deadKeys, liveKeys)
	}
	// The dead job's process, should it wake up, cannot add to it or end it.
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return jobs.AdvanceTx(ctx, tx, dead.ID, jobs.Progress{Processed: 1})
	})
	if !errors.Is(err, jobs.ErrNotRunning) {
		t.Errorf("advance a dead job: %v, want ErrNotRunning", err)
	}
	store.Finish(ctx, dead.ID, 9999, nil)
	if j, _ := store.Get(ctx, dead.ID); j.Status != "failed" || j.Processed != 5000 {
		t.Errorf("dead job after a late finish: %+v", j)
	}
}

// TestHeartbeatKeepsJobAlive: a job that beat recently is not taken for
// dead; one silent for longer than the bound is.
func TestHeartbeatKeepsJobAlive(t *testing.T) {
	t.Parallel()
	pool, store := newStore(t)
	ctx := t.Context()
	j, _ := store.Start(ctx, "update-purge", nil, "test")
	staleHeartbeat(t, pool, j.ID)
	if err := store.Heartbeat(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	dead, err := store.FailDead(ctx, time.Minute)
	if err != nil || len(dead) != 0 {
		t.Fatalf("FailDead after a heartbeat: %v %+v", err, dead)
	}
	staleHeartbeat(t, pool, j.ID)
	if dead, _ := store.FailDead(ctx, time.Minute); len(dead) != 1 {
		t.Fatalf("FailDead without a heartbeat: %+v", dead)
	}
}
