package main

import (
	"github.com/postbode/postbode/bounces"
)

// extendBounces adds the bounce routes: bounces per contact and campaign,
// statistics, and the relay webhooks (Amazon SES via SNS, generic JSON).
func extendBounces(a *app, d *apiDeps) {
	d.Modules = append(d.Modules, bounces.NewAPI(bounces.APIOptions{
		Processor: a.bounces(), SNSTopics: a.cfg.Bounces.SNSTopicARNs, Log: a.log,
	}))
}
