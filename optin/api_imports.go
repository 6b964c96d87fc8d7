package optin

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
)

func (a *API) importRoutes(rt *httpapi.Router) {
	rt.Handle("POST", "/api/v1/imports", access.ContactsImport, a.startImport)
	rt.Handle("GET", "/api/v1/jobs", access.CampaignsRead, a.listJobs)
	rt.Handle("GET", "/api/v1/jobs/{id}", access.CampaignsRead, a.getJob)
}

// importParams reads the import's parameters from the query string.
func (a *API) importParams(r *http.Request) (ImportParams, error) {
	q := r.URL.Query()
	p := ImportParams{Format: q.Get("format"), Source: q.Get("source"), Purpose: q.Get("purpose"), Evidence: q.Get("evidence"),
		EmailColumn: q.Get("email_column"), NameColumn: q.Get("name_column")}
	if p.Format == "" {
		switch ct := r.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/csv"):
			p.Format = "csv"
		case strings.HasPrefix(ct, "application/x-ndjson"), strings.HasPrefix(ct, "application/ndjson"):
			p.Format = "ndjson"
		}
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"confirmed", &p.Confirmed}, {"update_existing", &p.UpdateExisting}} {
		if v := q.Get(b.name); v != "" {
			x, err := strconv.ParseBool(v)
			if err != nil {
				return p, httpapi.Invalid(b.name, "must be true or false")
			}
			*b.dst = x
		}
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	if v := q.Get("lists"); v != "" {
		ids, err := a.Store.ResolveLists(r.Context(), "lists", strings.Split(v, ","))
		if err != nil {
			return p, err
		}
		p.Lists = ids
	}
	return p, nil
}

// startImport spools the upload to disk (never into memory), records a job
// and imports in the background; the job reports progress. The spooled file
// is deleted when the job ends; if the process dies first, the jobs sweep
// deletes it (jobs.Sweeper).
func (a *API) startImport(w http.ResponseWriter, r *http.Request) error {
	p, err := a.importParams(r)
	if err != nil {
		return err
	}
	if err := httpapi.AllowUpload(w, a.UploadTimeout); err != nil {
		return err
	}
	f, err := Spool(a.SpoolDir, r.Body, a.MaxImportBytes)
	if errors.Is(err, ErrImportTooLarge) {
		return httpapi.NewError(http.StatusRequestEntityTooLarge, "body_too_large", "import file is larger than api.max_import_bytes")
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return httpapi.ErrBodyTimeout
	}
	if err != nil {
		return err
	}
	job, err := a.Jobs.StartSpooled(r.Context(), jobs.KindImport, p, httpapi.Actor(r.Context()), f.Name())
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	a.bg.Add(1)
	// The import works for the department (and person) that started it.
	bg := access.Detach(a.bgCtx, r.Context())
	go func() {
		defer a.bg.Done()
		defer os.Remove(f.Name())
		defer f.Close()
		a.Importer.Run(bg, job.ID, f, p)
	}()
	w.Header().Set("Location", "/api/v1/jobs/"+strconv.FormatInt(job.ID, 10))
	httpapi.WriteJSON(w, http.StatusAccepted, job)
	return nil
}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	if kind != "" && !slices.Contains(jobs.Kinds, kind) {
		return httpapi.Invalid("kind", "must be one of "+strings.Join(jobs.Kinds, ", "))
	}
	js, err := a.Jobs.List(r.Context(), kind, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(js, p.Limit, func(j jobs.Job) int64 { return j.ID }))
	return nil
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	j, err := a.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, j)
	return nil
}
