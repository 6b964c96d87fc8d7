package main

import (
	"context"
	"net/http"
	"time"

	"github.com/postbode/postbode/internal/api"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/optin"
)

// jobSweepEvery is how often the API role looks for dead jobs and orphaned
// spooled uploads.
const jobSweepEvery = 30 * time.Second

// startAPI registers the JSON API on the admin listener.
func startAPI(ctx context.Context, a *app) error {
	// Jobs whose process died are marked failed and spooled uploads no
	// running job reads are deleted: now, and every sweep interval after.
	sw := &jobs.Sweeper{Store: a.jobs, Dir: a.cfg.API.SpoolDir, Log: a.log}
	a.runUntilDrained(ctx, nil, func(ctx context.Context) error { sw.Run(ctx, jobSweepEvery); return nil })
	_, srv := a.newAPI(ctx, a.adminMux)
	a.drains = append(a.drains, func(ctx context.Context) { waitCtx(ctx, srv.Wait) })
	return startConsole(ctx, a, srv.Importer)
}

// newAPI registers every API route on mux, authenticating persons and
// tokens with the staff service.
func (a *app) newAPI(ctx context.Context, mux *http.ServeMux) (*httpapi.Router, *api.Server) {
	rt := httpapi.NewRouter(mux, a.log, a.staff(), a.httpm)
	rt.OnChange(api.AuditChanges(a.db))
	deps := api.Deps{
		Log: a.log, DB: a.db, Contacts: a.contacts, Optin: a.optin, Jobs: a.jobs, Tokens: a.tokens,
		Importer:     optin.NewImporter(a.db, a.contacts, a.jobs, a.log),
		MaxBodyBytes: a.cfg.API.MaxBodyBytes, MaxImportBytes: a.cfg.API.MaxImportBytes, SpoolDir: a.cfg.API.SpoolDir,
	}
	extendAPIDeps(a, &deps)
	return rt, api.New(ctx, rt, deps)
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
