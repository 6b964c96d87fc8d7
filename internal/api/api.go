// Package api is the admin JSON API at /api/v1: one file per domain, each
// registering its routes with their roles; the OpenAPI document is assembled
// from fragments in openapi/ and tested against the registered routes.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/optin"
)

// Deps are what the API needs. Fields for later domains may be nil; their
// routes are then not registered.
type Deps struct {
	Log      *slog.Logger
	DB       *pgxpool.Pool
	Contacts *contacts.Store
	Optin    *optin.Store
	Jobs     *jobs.Store
	Tokens   *apitoken.Store
	Importer *optin.Importer
	// MaxBodyBytes caps JSON bodies; MaxImportBytes caps uploads.
	MaxBodyBytes   int64
	MaxImportBytes int64
	// SpoolDir holds uploads while they import; "" means the OS temp dir.
	SpoolDir string
	// Eraser erases a contact (the privacy package); when nil, DELETE on a
	// contact removes its rows without anonymised statistics.
	Eraser Eraser
	// ExportMailer, when set, mails bulk exports to the department's main
	// person instead of downloading them (people.mail_exports).
	ExportMailer ExportMailer
	// Modules are the routes of the other domains (campaigns, bounces,
	// privacy, recipients), each with its OpenAPI fragment.
	Modules []Module
}

// Module is one domain's part of the admin API. Routes registers its
// handlers (with their roles); OpenAPI returns its fragment of the document:
// {"paths": {...}, "components": {"schemas": {...}}}, one entry per route.
type Module interface {
	Routes(rt *httpapi.Router)
	OpenAPI() []byte
}

// Eraser erases one contact's personal data.
type Eraser interface {
	Erase(ctx context.Context, contactID int64, cause, actor string) error
}

// Server holds the API handlers.
type Server struct {
	Deps
	rt *httpapi.Router
	// bg tracks background jobs (imports) so shutdown can wait for them.
	bg    sync.WaitGroup
	bgCtx context.Context

	docOnce sync.Once
	doc     []byte
	docErr  error
}

// New registers every API route on rt. bgCtx bounds background jobs.
func New(bgCtx context.Context, rt *httpapi.Router, d Deps) *Server {
	s := &Server{Deps: d, rt: rt, bgCtx: bgCtx}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 1 << 20
	}
	if s.MaxImportBytes == 0 {
		s.MaxImportBytes = 2 << 30
	}
	rt.Handle("GET", "/api/v1/openapi.json", httpapi.Public, s.openAPI)
	s.listRoutes()
	s.contactRoutes()
	s.blocklistRoutes()
	s.importRoutes()
	s.tokenRoutes()
	for _, m := range d.Modules {
		m.Routes(rt)
	}
	rt.NotFound("/api/")
	return s
}

// Wait blocks until background jobs have stopped.
func (s *Server) Wait() { s.bg.Wait() }

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpapi.DecodeJSON(w, r, s.MaxBodyBytes, v)
}
