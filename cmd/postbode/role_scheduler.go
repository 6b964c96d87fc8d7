package main

import "context"

// startScheduler starts the scheduler role: it starts due campaigns, expands
// their recipients into the Redis queues, finishes drained campaigns and
// cleans up cancelled ones. Several nodes may run it: each campaign step
// takes the campaign's row lock, so one node at a time works on a campaign.
func startScheduler(ctx context.Context, a *app) error {
	s, err := a.campaigns()
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	a.drains = append(a.drains, func(dctx context.Context) {
		stop()
		select {
		case <-done:
		case <-dctx.Done():
		}
	})
	a.g.Go(func() error {
		defer close(done)
		return s.RunScheduler(runCtx)
	})
	return nil
}
