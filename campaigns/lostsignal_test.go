package campaigns_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/campaigns"
)

// TestPauseTakesEffectWhenItsSignalIsLost: two sender nodes send a
// campaign; a third node pauses it while it cannot reach Redis, so the
// states signal (campaigns:states) is never raised. The pause is
// committed all the same, and the senders, which read the states again at
// least every statesRecheck, stop: the campaign keeps work queued instead
// of being sent to the end.
func TestPauseTakesEffectWhenItsSignalIsLost(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *campaigns.Options) { o.Workers, o.BatchSize = 2, 5 })
	ctx := context.Background()
	l := f.list("news")
	n := 3000
	f.contacts("p", n, "confirmed", l)
	f.sink.set(nil, 20*time.Millisecond)
	c := f.create("Hi", l)
	f.runScheduler()
	f.runSender(f.svc)
	second := f.opt
	second.Reg = prometheus.NewRegistry()
	f.runSender(campaigns.New(second))
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { total, _, _ := f.sink.counts(); return total >= 20 })

	// Nothing listens on port 1 of the loopback: every Redis call fails.
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	if err := dead.Ping(ctx).Err(); err == nil {
		t.Fatal("the pausing node reaches a Redis: its signal would not be lost")
	}
	cut := f.opt
	cut.Redis, cut.Reg = dead, prometheus.NewRegistry()
	if _, err := campaigns.New(cut).Pause(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	// Sending stops (no message for a second), before the campaign is done.
	last, still := -1, time.Now()
	waitFor(t, 90*time.Second, func() bool {
		total, _, _ := f.sink.counts()
		if total != last {
			last, still = total, time.Now()
			return false
		}
		return time.Since(still) > time.Second
	})
	if last >= n {
		t.Fatalf("all %d messages sent: the pause, its signal lost, never reached the senders", n)
	}
	if st := f.stats(c.ID); st.Status != campaigns.StatePaused || st.Queued+st.Deferred == 0 {
		t.Errorf("stats %+v: want paused with work kept", st)
	}
}
