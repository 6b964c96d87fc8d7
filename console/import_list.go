package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/internal/jobs"
)

// importList lists the imports newest first, a page at a time, as the
// Jobs screen lists them (jobs.Store.Latest).
func (h *Handler) importList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	js, err := h.Jobs.Latest(r.Context(), jobs.KindImport, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{}, pg, js, func(j jobs.Job) int64 { return j.ID })
	return h.show(w, r, h.newPage(r, "imports", "imports").Set("Jobs", items).Set("Pager", pager))
}
