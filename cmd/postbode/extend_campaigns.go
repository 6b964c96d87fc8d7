package main

import "github.com/postbode/postbode/internal/api"

// extendCampaigns fills the API dependencies of the campaigns domain.
func extendCampaigns(a *app, d *api.Deps) {}
