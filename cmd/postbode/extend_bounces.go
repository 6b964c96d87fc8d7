package main

import "github.com/postbode/postbode/internal/api"

// extendBounces fills the API dependencies of the bounces domain.
func extendBounces(a *app, d *api.Deps) {}
