package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

// bounces returns the app's bounce processor, built on first use and shared
// by the inbound role (stored messages), the sender role (synchronous 5xx
// refusals through RecordSMTP) and the API (webhook intake). Its metrics are
// registered once on a.reg.
func (a *app) bounces() *bounces.Processor {
	if a.bounceProc == nil {
		a.bounceMetrics = bounces.NewMetrics(a.reg)
		a.bounceProc = bounces.NewProcessor(bounces.ProcessorOptions{
			DB: a.db, Contacts: a.contacts, Lists: optinLists{}, Keys: a.tokenKeys(),
			Metrics: a.bounceMetrics, Log: a.log,
			Policy: bounces.Policy{
				HardThreshold:      a.cfg.Bounces.HardThreshold,
				SoftEscalateCount:  a.cfg.Bounces.SoftEscalateCount,
				SoftEscalateWindow: a.cfg.Bounces.SoftEscalateWindow.Duration,
			},
			RawRetention:       a.cfg.Bounces.RawRetention.Duration,
			AddressMatch:       a.cfg.Bounces.AddressMatch,
			AddressMatchWindow: a.cfg.Bounces.AddressMatchWindow.Duration,
			ReplayWindow:       a.cfg.Bounces.SNSReplayWindow.Duration,
		})
	}
	return a.bounceProc
}

// tokenKeys are the recipient-token keys as of now: secrets.key, and
// secrets.old_keys until secrets.old_keys_until.
func (a *app) tokenKeys() *rtoken.Keys { return recipientKeys(a, time.Now()) }

// optinLists adapts optin.UnsubscribeTx to bounces.Lists.
type optinLists struct{}

func (optinLists) UnsubscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, source, evidence string) (int, error) {
	return optin.UnsubscribeTx(ctx, tx, contactID, listIDs, optin.Consent{Source: source, Evidence: evidence})
}
