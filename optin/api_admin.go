package optin

import (
	"context"
	_ "embed"
	"net/http"
	"sync"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
)

//go:embed openapi_api.json
var apiOpenAPIFragment []byte

// API is the lists, subscriptions and imports part of the admin API (an
// httpapi.Module): lists, contacts created or read with their
// subscriptions, subscribe and unsubscribe, consent records, imports and
// the jobs that run them.
type API struct {
	Store    *Store
	Contacts *contacts.Store
	Jobs     *jobs.Store
	Importer *Importer
	// MaxBodyBytes caps JSON bodies (default 1 MiB); MaxImportBytes caps
	// uploads (default 2 GiB).
	MaxBodyBytes   int64
	MaxImportBytes int64
	// UploadTimeout is how long an import upload may take to arrive
	// (httpapi.AllowUpload); default 10 minutes.
	UploadTimeout time.Duration
	// SpoolDir holds uploads while they import; "" means the OS temp dir.
	SpoolDir string

	// bg tracks background imports so shutdown can wait for them.
	bg    sync.WaitGroup
	bgCtx context.Context
}

// NewAPI returns the routes; bgCtx bounds background imports (Wait waits
// for them).
func NewAPI(bgCtx context.Context, a *API) *API {
	a.bgCtx = bgCtx
	if a.MaxBodyBytes == 0 {
		a.MaxBodyBytes = 1 << 20
	}
	if a.UploadTimeout == 0 {
		a.UploadTimeout = 10 * time.Minute
	}
	if a.MaxImportBytes == 0 {
		a.MaxImportBytes = 2 << 30
	}
	return a
}

// OpenAPI returns the fragment documenting the routes.
func (a *API) OpenAPI() []byte { return apiOpenAPIFragment }

// Wait blocks until background imports have stopped.
func (a *API) Wait() { a.bg.Wait() }

// Routes registers the routes.
func (a *API) Routes(rt *httpapi.Router) {
	a.listRoutes(rt)
	a.contactRoutes(rt)
	a.importRoutes(rt)
}

func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpapi.DecodeJSON(w, r, a.MaxBodyBytes, v)
}
