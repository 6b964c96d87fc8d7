package main

import (
	"sync"

	"github.com/postbode/postbode/privacy"
)

// privacyServices holds one privacy service per app (its metrics are
// registered once on a.reg, shared by the api and janitor roles).
var privacyServices sync.Map // *app → *privacy.Service

// privacy returns the app's privacy service, built on first use.
func (a *app) privacy() *privacy.Service {
	if s, ok := privacyServices.Load(a); ok {
		return s.(*privacy.Service)
	}
	s, _ := privacyServices.LoadOrStore(a, privacy.New(privacy.Options{
		DB: a.db, Contacts: a.contacts, Log: a.log, Reg: a.reg,
		Redis: a.rdb, KeyPrefix: a.cfg.Redis.KeyPrefix,
		KeepSuppressionHash: a.cfg.Retention.KeepSuppressionHash,
		OneStarDays:         a.cfg.Retention.OneStarDays,
	}))
	return s.(*privacy.Service)
}
