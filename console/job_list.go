package console

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/postbode/postbode/internal/jobs"
)

// jobList lists the department's background jobs (imports, purges of
// update mailings), optionally of one kind, with their status and a link
// to each, newest first, a page at a time (jobs.Store.Latest; the API's
// GET /api/v1/jobs pages the same jobs oldest first).
func (h *Handler) jobList(w http.ResponseWriter, r *http.Request) error {
	kind := r.URL.Query().Get("kind")
	p := h.newPage(r, "jobs", "jobs").Set("Kind", kind).Set("Kinds", jobs.Kinds)
	if kind != "" && !slices.Contains(jobs.Kinds, kind) {
		p.setErrs(map[string]string{"kind": "jobs.err.kind"})
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	js, err := h.Jobs.Latest(r.Context(), kind, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	f := url.Values{}
	if kind != "" {
		f.Set("kind", kind)
	}
	items, pager := newPager(r.URL.Path, f, pg, js, func(j jobs.Job) int64 { return j.ID })
	return h.show(w, r, p.Set("Jobs", items).Set("Pager", pager))
}
