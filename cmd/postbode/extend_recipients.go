package main

import "github.com/postbode/postbode/internal/api"

// extendRecipients fills the API dependencies of the recipients domain.
func extendRecipients(a *app, d *api.Deps) {}
