package main

import (
	"context"
	"time"

	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/optin/pages"
)

// repermissionBatch bounds the subscriptions one janitor pass asks and lapses.
const repermissionBatch = 500

// repermission returns the janitor's re-permission pass (lists with a
// re-permission period): it mails the double opt-in confirmation, in its
// re-permission wording, through the public pages' mail builder so the link
// opens the confirm page. Without a mailer the pass is off (logged once).
func repermission(a *app) func(context.Context) {
	m, err := a.mailer()
	if err != nil {
		a.log.Warn("janitor: re-permission off: no mailer", "error", err)
		return func(context.Context) {}
	}
	rcp := optin.NewRecipients(a.db, a.contacts, nil, recipientOptions(a))
	srv, err := pages.New(pages.Options{Recipients: rcp, Keys: recipientKeys(a, time.Now()), CSRFKey: a.cfg.Secrets.Key,
		BaseURL: a.cfg.Public.BaseURL, OrgName: a.cfg.Public.OrgName, LogoURL: a.cfg.Public.LogoURL, PrimaryColor: a.cfg.Public.PrimaryColor,
		DefaultLang: a.cfg.Public.DefaultLang, StatementURL: a.cfg.Privacy.StatementURL,
		RetentionDays: a.cfg.Retention.OneStarDays, Mailer: m, Log: a.log})
	if err != nil {
		a.log.Error("janitor: re-permission off", "error", err)
		return func(context.Context) {}
	}
	return func(ctx context.Context) {
		asked, lapsed, err := rcp.RunRepermission(ctx, repermissionBatch, srv.SendRepermission)
		if err != nil {
			a.log.Error("janitor: re-permission", "error", err, "asked", asked, "lapsed", lapsed)
		} else if asked > 0 || lapsed > 0 {
			a.log.Info("janitor: re-permission", "asked", asked, "lapsed", lapsed)
		}
	}
}
