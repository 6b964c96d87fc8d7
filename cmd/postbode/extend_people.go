package main

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/privacy"
	"github.com/postbode/postbode/staff"
)

// staff returns the staff service of the process (built on first use).
func (a *app) staff() *staff.Service {
	if a.staffSvc == nil {
		p := a.cfg.People
		a.staffSvc = staff.New(a.db, a.cfg.Secrets.Key, staff.Options{SessionIdle: p.SessionIdle.Duration,
			SessionAbsolute: p.SessionAbsolute.Duration, MaxFailures: p.MaxFailures, MaxIPFailures: p.MaxIPFailures,
			LockoutWindow: p.LockoutWindow.Duration, InviteTTL: p.InviteTTL.Duration, ResetTTL: p.ResetTTL.Duration,
			EndedRetention: p.EndedRetention.Duration, RequireTOTP: p.RequireTOTP, Issuer: a.cfg.Public.OrgName,
			DefaultLang: a.cfg.Public.DefaultLang, Log: a.log})
		// Reset mails go out after their answer: let them finish on shutdown.
		svc := a.staffSvc
		a.drains = append(a.drains, func(ctx context.Context) { waitCtx(ctx, svc.Wait) })
		// Invitation and reset links go out the same way from the API and
		// the console; without a mailer they are handed to the administrator.
		if ml, err := a.mailer(); err == nil {
			a.staffSvc.SetMailer(ml, a.adminURL())
		} else {
			a.staffSvc.SetMailer(nil, a.adminURL())
		}
	}
	return a.staffSvc
}

// adminURL is the URL staff reach the admin listener at.
func (a *app) adminURL() string { return adminURLOf(a.cfg) }

// secureCookies tells whether staff reach the admin listener over https
// (its own TLS, or a proxy at an https people.admin_url): the session
// cookie is then Secure, so a browser never sends it over plain http.
func (a *app) secureCookies() bool { return strings.HasPrefix(a.adminURL(), "https://") }

// adminURLOf is the URL staff reach the admin listener of cfg at: the
// daemon's mailed links and the links `postbode user create` prints.
// Without people.admin_url it is api.listen, where a listener on every
// address (":8080", "0.0.0.0:8080", "[::]:8080") is reached on this
// machine's loopback address: a link to 0.0.0.0 opens nothing.
func adminURLOf(cfg config.Config) string {
	if u := cfg.People.AdminURL; u != "" {
		return strings.TrimRight(u, "/")
	}
	scheme := "http://"
	if cfg.API.TLS.Enabled() {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(cfg.API.Listen)
	if err != nil {
		return scheme + cfg.API.Listen
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if err == nil && ip.Is6() {
			host = "::1"
		}
	}
	return scheme + net.JoinHostPort(host, port)
}

// extendPeople adds the login, session and people administration routes.
func extendPeople(a *app, d *apiDeps) {
	m := &staff.API{S: a.staff(), SecureCookie: a.secureCookies()}
	ml, err := a.mailer()
	if err != nil {
		a.log.Warn("no mailer: invitation links are returned to the inviting administrator", slog.Any("error", err))
	}
	if a.cfg.People.AdminURL == "" {
		a.log.Warn("people.admin_url is not set: links in invitation and password reset mails point at "+a.adminURL()+
			", which staff elsewhere cannot open; set people.admin_url to the address they reach the console at",
			slog.String("admin_url", a.adminURL()))
	}
	if a.cfg.People.MailExports {
		d.ExportMailer = exportMailer{staff: a.staff(), mail: ml}
	}
	d.Modules = append(d.Modules, m)
}

// exportMailer mails bulk exports to the main person of the exporting
// department (people.mail_exports).
type exportMailer struct {
	staff *staff.Service
	mail  *mailer
}

// MailExport sends the file as an attachment to the department's main person.
func (m exportMailer) MailExport(ctx context.Context, name, contentType string, data []byte) error {
	if m.mail == nil {
		return errs.Unavailable("no_mailer", "exports go by mail, but no mail transport is configured")
	}
	d, err := m.staff.Department(ctx, access.Department(ctx))
	if err != nil {
		return err
	}
	if d.MainPersonID == nil {
		return errs.Conflict("no_main_person", "exports go by mail, but this department has no main person: set one first")
	}
	p, err := m.staff.Get(ctx, *d.MainPersonID)
	if err != nil {
		return err
	}
	subject, text := staff.ExportMail(m.staff.MailLang(ctx, p.Email), name)
	return m.mail.SendAttachments(ctx, p.Email, subject, "", text,
		[]privacy.Attachment{{Name: name, ContentType: contentType, Data: data}})
}
