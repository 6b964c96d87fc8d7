package main

import (
	"context"

	"github.com/postbode/postbode/optin"
)

// extendRecipients fills the API dependencies of the recipients domain: the
// update-mailing follow-up routes (reminders, report, purge) and the change
// requests from the update page. Reminders are created by the campaigns
// service (without one, reminders answer 503); purges erase through the
// privacy service.
func extendRecipients(a *app, d *apiDeps) {
	var creator optin.FollowUpCreator
	if c, err := a.campaigns(); err == nil {
		creator = c
	}
	f := optin.NewFollowUps(a.db, creator, a.privacy(), a.jobs, a.log)
	bgCtx, cancel := context.WithCancel(context.Background())
	mod := optin.NewFollowUpAPI(bgCtx, f, a.optin)
	d.Modules = append(d.Modules, mod)
	a.drains = append(a.drains, func(ctx context.Context) {
		waitCtx(ctx, mod.Wait)
		cancel()
	})
}

// expireUnconfirmed is the janitor's double opt-in expiry: unconfirmed
// subscriptions older than public.confirm_expiry go, and contacts the
// subscribe form created that are left with nothing are erased.
func expireUnconfirmed(ctx context.Context, a *app) {
	r := optin.NewRecipients(a.db, a.contacts, nil, recipientOptions(a))
	subs, erased, err := r.ExpireUnconfirmed(ctx, a.cfg.Public.ConfirmExpiry.Duration, a.privacy())
	if err != nil {
		a.log.Error("janitor: expire unconfirmed subscriptions", "error", err)
		return
	}
	if subs > 0 {
		a.log.Info("janitor: unconfirmed subscriptions expired", "subscriptions", subs, "contacts_erased", erased)
	}
}
