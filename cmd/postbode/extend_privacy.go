package main

import "github.com/postbode/postbode/internal/api"

// extendPrivacy fills the API dependencies of the privacy domain.
func extendPrivacy(a *app, d *api.Deps) {}
