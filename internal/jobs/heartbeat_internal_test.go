package jobs

import (
	"testing"
	"time"

	"github.com/postbode/postbode/internal/testenv"
)

// TestKeepAliveStampsUntilStopped: KeepAlive keeps a job's heartbeat fresh
// while its runner works, and stops when told.
func TestKeepAliveStampsUntilStopped(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	ctx := t.Context()
	s := NewStore(pool)
	s.beat = 20 * time.Millisecond
	j, err := s.Start(ctx, "import", nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	age := func() time.Duration {
		var secs float64
		pool.QueryRow(ctx, `SELECT extract(epoch FROM now() - heartbeat_at) FROM jobs WHERE id = $1`, j.ID).Scan(&secs)
		return time.Duration(secs * float64(time.Second))
	}
	stale := func() { pool.Exec(ctx, `UPDATE jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, j.ID) }
	stop := s.KeepAlive(ctx, j.ID)
	stale()
	time.Sleep(200 * time.Millisecond)
	if a := age(); a > time.Minute {
		t.Errorf("heartbeat %s old while kept alive", a)
	}
	stop()
	stale()
	time.Sleep(200 * time.Millisecond)
	if a := age(); a < time.Minute {
		t.Errorf("heartbeat %s old after stop: still beating", a)
	}
}
