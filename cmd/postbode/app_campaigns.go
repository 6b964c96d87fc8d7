package main

import (
	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/mta"
)

// campaigns returns the app's campaigns service, built on first use and
// shared by the api, scheduler and sender roles (its metrics are registered
// once on a.reg). It uses the process's transport and DKIM signer.
func (a *app) campaigns() (*campaigns.Service, error) {
	if a.campSvc != nil {
		return a.campSvc, nil
	}
	tr, err := a.transport()
	if err != nil {
		return nil, err
	}
	signer, err := a.dkim()
	if err != nil {
		return nil, err
	}
	c, s := a.cfg, a.cfg.Sending
	a.campSvc = campaigns.New(campaigns.Options{
		DB: a.db, Redis: a.rdb, KeyPrefix: c.Redis.KeyPrefix, Log: a.log, Reg: a.reg,
		Contacts: a.contacts, Style: a.style(),
		Keys:    rtoken.NewKeys(c.Secrets.Key, c.Secrets.OldKeys...),
		BaseURL: c.Public.BaseURL, BounceDomain: c.BounceDomain(),
		DKIM: signer, RequireDKIM: len(c.DKIM.Keys) > 0,
		Transport: tr,
		// Synchronous 5xx refusals go to the bounce logic at once.
		Bounces: a.bounces(),
		Limiter: mta.NewLimiter(a.rdb, c.Redis.KeyPrefix, mta.Limits{GlobalPerSecond: s.RatePerSecond,
			DomainConcurrency: s.DomainConcurrency, DomainPerSecond: s.DomainRatePerSecond}, a.reg),
		Tracking:    s.Tracking,
		MissedGrace: s.MissedGrace.Duration, RetryBase: s.RetryBase.Duration, GiveUpAfter: s.GiveUpAfter.Duration,
		Workers: s.Workers, BatchSize: s.BatchSize, QueueAhead: s.QueueAhead, ClaimIdle: s.ClaimIdle.Duration,
	})
	return a.campSvc, nil
}
