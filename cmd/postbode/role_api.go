package main

import (
	"context"
	"net/http"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/staff"
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
	_, lists := a.newAPI(ctx, a.adminMux)
	a.drains = append(a.drains, func(ctx context.Context) { waitCtx(ctx, lists.Wait) })
	return startConsole(ctx, a, lists.Importer)
}

// apiDeps are the parts of the admin API: each domain serves its own
// routes (an httpapi.Module); erasure and mailed exports are lent to the
// contacts routes by the domains above them.
type apiDeps struct {
	Modules      []httpapi.Module
	Eraser       contacts.Eraser
	ExportMailer contacts.ExportMailer
}

// newAPI registers every API route on mux, authenticating persons and
// tokens with the staff service. It returns the router and the lists and
// imports routes, whose background imports shutdown waits for.
func (a *app) newAPI(ctx context.Context, mux *http.ServeMux) (*httpapi.Router, *optin.API) {
	rt := httpapi.NewRouter(mux, a.log, a.staff(), a.httpm)
	rt.OnChange(auditChanges(a.db))
	maxBody := a.cfg.API.MaxBodyBytes
	lists := optin.NewAPI(ctx, &optin.API{Store: a.optin, Contacts: a.contacts, Jobs: a.jobs,
		Importer:     optin.NewImporter(a.db, a.contacts, a.jobs, a.log),
		MaxBodyBytes: maxBody, MaxImportBytes: a.cfg.API.MaxImportBytes, SpoolDir: a.cfg.API.SpoolDir,
		UploadTimeout: a.cfg.API.UploadTimeout.Duration})
	var d apiDeps
	extendAPIDeps(a, &d)
	people := &contacts.API{Store: a.contacts, DB: a.db, Lists: a.optin, Eraser: d.Eraser,
		ExportMailer: d.ExportMailer, MaxBodyBytes: maxBody}
	tokens := &staff.TokenAPI{Tokens: a.tokens, Staff: a.staff(), MaxBodyBytes: maxBody}
	httpapi.Mount(rt, append([]httpapi.Module{people, lists, tokens}, d.Modules...)...)
	return rt, lists
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
