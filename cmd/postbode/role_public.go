package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/optin/pages"
)

// startPublic starts the public role: the recipient pages on public.listen.
// Shutdown order: the listener stops taking requests, confirmation mails in
// flight finish, then the action log writes what it buffered.
func startPublic(ctx context.Context, a *app) error {
	actions := optin.NewActionLog(a.db, a.log, a.reg)
	actions.SetCap(a.actionCap())
	a.drains = append(a.drains, actions.Close)
	rcp := optin.NewRecipients(a.db, a.contacts, actions, recipientOptions(a))
	var proxies []netip.Prefix
	for _, p := range a.cfg.Public.TrustedProxies {
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("public.trusted_proxies: %w", err)
		}
		proxies = append(proxies, pf.Masked())
	}
	keys := recipientKeys(a, time.Now())
	store := pages.RedisNonces{RDB: a.rdb, Prefix: a.cfg.Redis.KeyPrefix + "public:"}
	opt := pages.Options{
		Recipients: rcp, Keys: keys, CSRFKey: a.cfg.Secrets.Key, BaseURL: a.cfg.Public.BaseURL,
		OrgName: a.cfg.Public.OrgName, LogoURL: a.cfg.Public.LogoURL, PrimaryColor: a.cfg.Public.PrimaryColor,
		DefaultLang: a.cfg.Public.DefaultLang, TrustedProxies: proxies, MaxFormBytes: a.cfg.Public.MaxFormBytes,
		ConfirmExpiry: a.cfg.Public.ConfirmExpiry.Duration,
		StatementURL:  a.cfg.Privacy.StatementURL,
		RetentionDays: a.cfg.Retention.OneStarDays,
		Nonces:        store,
		Limiter:       store,
		Metrics:       &a.httpm, Log: a.log,
		Viewer: rcp.NewViewer(a.style(), rtoken.Links{Base: a.cfg.Public.BaseURL, Keys: keys}),
	}
	if m, err := a.mailer(); err != nil {
		a.log.Warn("public: no mailer; double opt-in confirmations are not sent", slog.Any("error", err))
	} else {
		opt.Mailer = m
	}
	// The privacy service verifies, records and answers privacy requests.
	opt.Privacy = a.privacy()
	srvPages, err := pages.New(opt)
	if err != nil {
		return err
	}
	a.drains = append(a.drains, func(ctx context.Context) { waitCtx(ctx, srvPages.Wait) })
	if until, ok := oldKeysUntil(a); ok && time.Now().Before(until) {
		t := time.AfterFunc(time.Until(until), func() { srvPages.SetKeys(recipientKeys(a, time.Now())) })
		a.drains = append(a.drains, func(context.Context) { t.Stop() })
	}
	return a.listenHTTP("public", a.cfg.Public.Listen, &http.Server{Handler: srvPages.Handler(),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10})
}

// recipientKeys are the token keys: secrets.key, and secrets.old_keys until
// secrets.old_keys_until.
func recipientKeys(a *app, now time.Time) *rtoken.Keys {
	return rtoken.NewKeys(a.cfg.Secrets.Key, a.cfg.Secrets.VerifyingOldKeys(now)...)
}

func oldKeysUntil(a *app) (time.Time, bool) {
	if a.cfg.Secrets.OldKeysUntil == "" || len(a.cfg.Secrets.OldKeys) == 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, a.cfg.Secrets.OldKeysUntil)
	return t, err == nil
}

func recipientOptions(a *app) optin.RecipientOptions {
	return optin.RecipientOptions{EditableAttributes: a.cfg.Public.EditableAttributes, ApproveChanges: a.cfg.Public.ApproveChanges}
}
