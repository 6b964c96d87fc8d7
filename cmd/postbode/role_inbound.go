package main

import "context"

// startInbound starts the inbound role.
func startInbound(ctx context.Context, a *app) error {
	a.log.Warn("role not available in this build", "role", "inbound")
	return nil
}
