package main

import "context"

// startPublic starts the public role.
func startPublic(ctx context.Context, a *app) error {
	a.log.Warn("role not available in this build", "role", "public")
	return nil
}
