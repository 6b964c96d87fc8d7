// Package console is the admin web console: server-rendered screens for
// marketers, privacy officers and admins, served under /console/ on the admin
// listener. It is an edge like cmd/: every screen calls the same domain
// services the JSON API calls (contacts, optin, campaigns, bounces, privacy)
// and runs no SQL of its own. Staff login, sessions, permissions and
// departments come from the staff package; the console keeps none.
//
// Layout: routes.go lists every route with its permission; one file per
// screen action, named noun_verb (contact_show.go shows, contact_forget.go
// acts); form/ parses each form; view.go builds what every template gets
// (CSRF token, person, flash); templates/ holds layout.html, partials/ and
// views/. No inline script: static/console.js only polls progress, and every
// state change is a plain form POST that works without JavaScript.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
	"github.com/postbode/postbode/staff"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

// Deps are the services the screens call. Staff, Contacts, Optin and Jobs
// are required; a nil optional service hides its screens.
type Deps struct {
	Log *slog.Logger
	// Staff is the staff service: login, sessions, permissions, departments
	// (required).
	Staff *staff.Service
	// Contacts, Optin, Jobs: required.
	Contacts *contacts.Store
	Optin    *optin.Store
	Jobs     *jobs.Store
	// Importer runs uploads (required for the import screens).
	Importer *optin.Importer
	// Campaigns, Privacy, Bounces, FollowUps, Tokens: optional.
	Campaigns *campaigns.Service
	Privacy   *privacy.Service
	Bounces   *bounces.Processor
	FollowUps *optin.FollowUps
	Tokens    *apitoken.Store
	// Audit receives the audit entries of changes made in the console
	// (the pool; optional, none are written without it).
	Audit audit.Row
	// DKIM gives the DNS records of the sending identities (optional).
	DKIM *mta.DKIM
	// MaxBodyBytes caps form bodies (optional, default 1 MiB);
	// MaxImportBytes caps uploads (optional, default 2 GiB).
	MaxBodyBytes   int64
	MaxImportBytes int64
	// SpoolDir holds uploads while they import; optional, default the OS temp dir.
	SpoolDir string
	// UploadTimeout is how long an upload may take to arrive
	// (httpapi.AllowUpload); optional, default 10 minutes.
	UploadTimeout time.Duration
	// PublicURL is the base URL of the recipient pages, for the subscribe
	// form snippet (optional).
	PublicURL string
	// Location is the organisation's time zone, in which the screens show
	// times (privacy.time_zone); optional, default UTC.
	Location *time.Location
	// SecureCookie marks the session cookie Secure although the request
	// came without TLS: a proxy in front serves the console over https
	// (optional; a request over the listener's own TLS always gets it).
	SecureCookie bool
}

// Handler serves the console.
type Handler struct {
	Deps
	mux   *http.ServeMux
	views *views
	// perms is the permission of each route behind a session (routes.go).
	perms map[string]access.Permission
	// bg tracks background jobs (imports, purges) so shutdown can wait.
	bg    sync.WaitGroup
	bgCtx context.Context
}

// New returns the console handler; bgCtx bounds background jobs.
func New(bgCtx context.Context, d Deps) (*Handler, error) {
	if d.MaxBodyBytes == 0 {
		d.MaxBodyBytes = 1 << 20
	}
	if d.UploadTimeout == 0 {
		d.UploadTimeout = 10 * time.Minute
	}
	if d.MaxImportBytes == 0 {
		d.MaxImportBytes = 2 << 30
	}
	v, err := parseViews(d.Location)
	if err != nil {
		return nil, err
	}
	h := &Handler{Deps: d, mux: http.NewServeMux(), views: v, bgCtx: bgCtx, perms: map[string]access.Permission{}}
	h.routes()
	return h, nil
}

// ServeHTTP serves a console request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Wait blocks until background jobs have stopped.
func (h *Handler) Wait() { h.bg.Wait() }

// background runs a job the request started, with the request's actor and
// department but not its deadline; shutdown waits for it (Wait).
func (h *Handler) background(r *http.Request, run func(ctx context.Context)) {
	ctx := access.Detach(h.bgCtx, r.Context())
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		run(ctx)
	}()
}
