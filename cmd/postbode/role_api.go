package main

import (
	"context"
	"time"

	"github.com/postbode/postbode/internal/api"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/optin"
)

// startAPI registers the JSON API on the admin listener.
func startAPI(ctx context.Context, a *app) error {
	if n, err := a.jobs.FailInterrupted(ctx, time.Now().Add(-2*time.Minute)); err == nil && n > 0 {
		a.log.Warn("jobs interrupted by an earlier stop marked failed", "count", n)
	}
	rt := httpapi.NewRouter(a.adminMux, a.log, a.staff(), a.httpm)
	importer := optin.NewImporter(a.db, a.contacts, a.jobs, a.log)
	deps := api.Deps{
		Log: a.log, DB: a.db, Contacts: a.contacts, Optin: a.optin, Jobs: a.jobs, Tokens: a.tokens,
		Importer:     importer,
		MaxBodyBytes: a.cfg.API.MaxBodyBytes, MaxImportBytes: a.cfg.API.MaxImportBytes, SpoolDir: a.cfg.API.SpoolDir,
	}
	extendAPIDeps(a, &deps)
	srv := api.New(ctx, rt, deps)
	a.drains = append(a.drains, func(ctx context.Context) { waitCtx(ctx, srv.Wait) })
	return startConsole(ctx, a, importer)
}

// waitCtx runs wait until it returns or ctx ends, whichever is first.
func waitCtx(ctx context.Context, wait func()) {
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
