package main

import "context"

// startJanitor starts the janitor role.
func startJanitor(ctx context.Context, a *app) error {
	a.log.Warn("role not available in this build", "role", "janitor")
	return nil
}
