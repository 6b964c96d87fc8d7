package main

import (
	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/api"
)

// extendBounces adds the bounce routes: bounces per contact and campaign,
// statistics, and the relay webhooks (Amazon SES via SNS, generic JSON).
func extendBounces(a *app, d *api.Deps) {
	d.Modules = append(d.Modules, bounces.NewAPI(bounces.APIOptions{
		Processor: a.bounces(), SNSTopics: a.cfg.Bounces.SNSTopicARNs, Log: a.log,
	}))
}
