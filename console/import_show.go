package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
)

// importShow is one import: progress while it runs (the page polls), then
// the counts and the rejected rows.
func (h *Handler) importShow(w http.ResponseWriter, r *http.Request) error {
	j, err := h.importJob(r)
	if err != nil {
		return err
	}
	p := h.newPage(r, "import", "imports").Set("Job", j).Set("Progress", jobProgress(j.Processed, j.Total, j.Status))
	p.Poll = r.URL.Path
	return h.show(w, r, p)
}

// importJob is the import job the path names ({id}).
func (h *Handler) importJob(r *http.Request) (jobs.Job, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return jobs.Job{}, err
	}
	j, err := h.Jobs.Get(r.Context(), id)
	if err != nil || j.Kind != "import" {
		return j, notFound(err)
	}
	return j, nil
}
