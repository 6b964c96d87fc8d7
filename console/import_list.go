package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/internal/jobs"
)

// importList lists the imports in the order they were started.
func (h *Handler) importList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	js, err := h.Jobs.List(r.Context(), jobs.KindImport, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{}, pg, js, func(j jobs.Job) int64 { return j.ID })
	return h.show(w, r, h.newPage(r, "imports", "imports").Set("Jobs", items).Set("Pager", pager))
}
