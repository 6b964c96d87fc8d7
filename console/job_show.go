package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// jobShow is a background job (a purge): progress while it runs, then the counts.
func (h *Handler) jobShow(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	j, err := h.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	p := h.newPage(r, "job", "jobs").Set("Job", j).Set("Progress", jobProgress(j.Processed, j.Total, j.Status))
	p.Poll = r.URL.Path
	return h.show(w, r, p)
}
