package main

import (
	"context"
	"time"
)

// startJanitor starts the janitor role: every retention.janitor_interval it
// erases contacts one-star longer than retention.one_star_days (0 disables),
// fulfils verified erasure requests when privacy.auto_erasure is on,
// deletes what was typed with privacy requests whose link expired, and
// expires unconfirmed double opt-in subscriptions (public.confirm_expiry)
// runs the re-permission of lists that have a re-permission period, and
// deletes staff invitations, sessions, links and failed logins that ended
// longer than people.ended_retention ago.
// Several nodes may run it; batches are claimed with SKIP LOCKED.
func startJanitor(ctx context.Context, a *app) error {
	s := a.privacy()
	if a.cfg.Retention.OneStarDays == 0 {
		a.log.Info("retention disabled (retention.one_star_days = 0)")
	}
	repermit := repermission(a)
	people := a.staff()
	a.runUntilDrained(ctx, nil, func(runCtx context.Context) error {
		t := time.NewTicker(a.cfg.Retention.JanitorInterval.Duration)
		defer t.Stop()
		for {
			// Errors are logged and counted (postbode_janitor_runs_total); the
			// next tick retries.
			s.RunRetention(runCtx, "janitor")
			if n, err := s.RunAutoErasures(runCtx); n > 0 || err != nil {
				a.log.Info("privacy requests: automatic erasures", "fulfilled", n, "error", err)
			}
			if _, err := s.ExpireDrafts(runCtx); err != nil {
				a.log.Error("privacy requests: expire drafts", "error", err)
			}
			expireUnconfirmed(runCtx, a)
			repermit(runCtx)
			if n, err := people.PurgeEnded(runCtx); err != nil {
				a.log.Error("janitor: delete ended staff records", "error", err, "rows", n)
			} else if n > 0 {
				a.log.Info("janitor: ended staff records deleted", "rows", n)
			}
			select {
			case <-runCtx.Done():
				return nil
			case <-t.C:
			}
		}
	})
	return nil
}
