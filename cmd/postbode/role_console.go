package main

import (
	"context"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/console"
	"github.com/postbode/postbode/optin"
)

// startConsole serves the admin web console under /console/ on the admin
// listener (part of the api role). It calls the same services as the API.
func startConsole(ctx context.Context, a *app, importer *optin.Importer) error {
	var camp *campaigns.Service
	var creator optin.FollowUpCreator
	if c, err := a.campaigns(); err == nil {
		camp, creator = c, c
	}
	dkim, _ := a.dkim() // nil without keys; its error is the campaigns service's to report
	bgCtx, cancel := context.WithCancel(context.Background())
	h, err := console.New(bgCtx, console.Deps{
		Log: a.log, Staff: a.staff(),
		Contacts: a.contacts, Optin: a.optin, Jobs: a.jobs, Importer: importer, Tokens: a.tokens,
		Campaigns: camp, Privacy: a.privacy(), Bounces: a.bounces(),
		FollowUps: optin.NewFollowUps(a.db, creator, a.privacy(), a.jobs, a.log),
		DKIM:      dkim, Audit: a.db, MaxImportBytes: a.cfg.API.MaxImportBytes, SpoolDir: a.cfg.API.SpoolDir, PublicURL: a.cfg.Public.BaseURL,
		Location:     a.cfg.Privacy.Location(),
		SecureCookie: a.secureCookies(), UploadTimeout: a.cfg.API.UploadTimeout.Duration,
	})
	if err != nil {
		cancel()
		return err
	}
	a.adminMux.Handle(console.Prefix, h)
	a.drains = append(a.drains, func(ctx context.Context) {
		waitCtx(ctx, h.Wait)
		cancel()
	})
	return nil
}
