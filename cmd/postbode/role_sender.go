package main

import "context"

// startSender starts the sender role.
func startSender(ctx context.Context, a *app) error {
	a.log.Warn("role not available in this build", "role", "sender")
	return nil
}
