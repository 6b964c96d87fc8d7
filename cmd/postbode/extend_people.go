package main

import (
	"log/slog"
	"strings"

	"github.com/postbode/postbode/internal/api"
	"github.com/postbode/postbode/staff"
)

// staff returns the staff service of the process (built on first use).
func (a *app) staff() *staff.Service {
	if a.staffSvc == nil {
		p := a.cfg.People
		a.staffSvc = staff.New(a.db, a.cfg.Secrets.Key, staff.Options{SessionIdle: p.SessionIdle.Duration,
			SessionAbsolute: p.SessionAbsolute.Duration, MaxFailures: p.MaxFailures, MaxIPFailures: p.MaxIPFailures,
			LockoutWindow: p.LockoutWindow.Duration, InviteTTL: p.InviteTTL.Duration, ResetTTL: p.ResetTTL.Duration,
			RequireTOTP: p.RequireTOTP, Issuer: a.cfg.Public.OrgName})
	}
	return a.staffSvc
}

// adminURL is the URL staff reach the admin listener at.
func (a *app) adminURL() string {
	if u := a.cfg.People.AdminURL; u != "" {
		return strings.TrimRight(u, "/")
	}
	scheme := "http://"
	if a.cfg.API.TLS.Enabled() {
		scheme = "https://"
	}
	return scheme + a.cfg.API.Listen
}

// extendPeople adds the login, session and people administration routes.
func extendPeople(a *app, d *api.Deps) {
	m := &staff.API{S: a.staff(), AdminURL: a.adminURL(), SecureCookie: a.cfg.API.TLS.Enabled()}
	if ml, err := a.mailer(); err != nil {
		a.log.Warn("no mailer: invitation links are returned to the inviting administrator", slog.Any("error", err))
	} else {
		m.Mail = ml
	}
	d.Modules = append(d.Modules, m)
}
