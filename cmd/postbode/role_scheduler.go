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
	a.runUntilDrained(ctx, nil, s.RunScheduler)
	return nil
}
