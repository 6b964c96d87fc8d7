package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// importShow is one import: progress while it runs (the page polls), then
// the counts and the rejected rows.
func (h *Handler) importShow(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	j, err := h.Jobs.Get(r.Context(), id)
	if err != nil || j.Kind != "import" {
		return notFound(err)
	}
	p := h.newPage(r, "import", "imports").Set("Job", j).Set("Progress", jobProgress(j.Processed, j.Total, j.Status))
	p.Poll = r.URL.Path
	return h.show(w, r, p)
}
