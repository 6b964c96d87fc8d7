package main

import "context"

// startScheduler starts the scheduler role.
func startScheduler(ctx context.Context, a *app) error {
	a.log.Warn("role not available in this build", "role", "scheduler")
	return nil
}
