package main

import (
	"github.com/postbode/postbode/privacy"
)

// extendPrivacy fills the API dependencies of the privacy domain: erasure
// (DELETE /api/v1/contacts/{id} uses it) and the /api/v1/privacy routes.
func extendPrivacy(a *app, d *apiDeps) {
	s := a.privacy()
	d.Eraser = s
	api := privacy.NewAPI(s)
	api.UploadTimeout = a.cfg.API.UploadTimeout.Duration
	d.Modules = append(d.Modules, api)
}
