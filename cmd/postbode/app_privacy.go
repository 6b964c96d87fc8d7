package main

import "github.com/postbode/postbode/privacy"

// privacy returns the app's privacy service, built on first use (its
// metrics are registered once on a.reg, shared by the api and janitor roles).
func (a *app) privacy() *privacy.Service {
	if a.privSvc == nil {
		a.privSvc = privacy.New(privacy.Options{
			DB: a.db, Contacts: a.contacts, Log: a.log, Reg: a.reg,
			Redis: a.rdb, KeyPrefix: a.cfg.Redis.KeyPrefix,
			KeepSuppressionHash: a.cfg.Retention.KeepSuppressionHash,
			OneStarDays:         a.cfg.Retention.OneStarDays,
		})
	}
	return a.privSvc
}
