package main

import (
	"context"

	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

// privacy returns the app's privacy service, built on first use (its
// metrics are registered once on a.reg, shared by the api, public and
// janitor roles). It mails privacy request verifications and answers through
// the app's transactional mailer; when that cannot be built (the error is
// logged) privacy requests are refused and the rest works.
func (a *app) privacy() *privacy.Service {
	if a.privSvc == nil {
		var ml privacy.Mailer
		if m, err := a.mailer(); err != nil {
			a.log.Error("privacy requests disabled: no mailer", "error", err)
		} else {
			pm := *m
			pm.replyTo = a.cfg.Privacy.ContactEmail
			ml = &pm
		}
		p := a.cfg.Privacy
		a.privSvc = privacy.New(privacy.Options{
			DB: a.db, Replica: a.replica, Contacts: a.contacts, Log: a.log, Reg: a.reg,
			Redis: a.rdb, KeyPrefix: a.cfg.Redis.KeyPrefix,
			KeepSuppressionHash: a.cfg.Retention.KeepSuppressionHash,
			OneStarDays:         a.cfg.Retention.OneStarDays,
			Mailer:              ml,
			Tokens:              a.tokenKeys(),
			BaseURL:             a.cfg.Public.BaseURL,
			OrgName:             a.cfg.Public.OrgName,
			ContactEmail:        p.ContactEmail,
			StaffLang:           a.staff().MailLang,
			DefaultLang:         a.cfg.Public.DefaultLang,
			RequestLinkTTL:      p.RequestLinkTTL.Duration,
			RequestMailsPerHour: p.RequestMailsPerHour,
			AutoAccess:          p.AutoAccess,
			AutoErasure:         p.AutoErasure,
			Controller:          controllerOf(p.ControllerConfig),
			HouseColour:         a.cfg.Public.PrimaryColor,
		})
		// Verification mails in flight finish before the transport closes
		// (drains run last-added first; the mailer's transport drain is older).
		svc := a.privSvc
		svc.AddPurgeHook("action-cap", a.actionCap().Purge)
		a.drains = append(a.drains, func(ctx context.Context) { waitCtx(ctx, svc.Wait) })
	}
	return a.privSvc
}

// actionCap is the cap on the opens and clicks the action log keeps (the
// public role writes through it; erasure deletes its counters).
func (a *app) actionCap() *optin.ActionCap {
	return optin.NewActionCap(a.rdb, a.cfg.Redis.KeyPrefix, a.contacts.CounterKey, 0)
}
