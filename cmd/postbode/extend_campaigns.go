package main

import (
	"github.com/postbode/postbode/campaigns"
)

// extendCampaigns fills the API dependencies of the campaigns domain: the
// /api/v1/campaigns routes. When the service cannot be built (e.g. a DKIM
// key file is unreadable) the error is logged and the routes are left out.
func extendCampaigns(a *app, d *apiDeps) {
	s, err := a.campaigns()
	if err != nil {
		a.log.Error("campaigns API not available", "error", err)
		return
	}
	d.Modules = append(d.Modules, campaigns.NewAPI(s))
}
