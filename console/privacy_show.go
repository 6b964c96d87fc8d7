package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/privacy"
)

// privacyShow lists privacy requests (open ones by default) with their due
// dates, overdue ones marked.
func (h *Handler) privacyShow(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = privacy.RequestOpen
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	rs, err := h.Privacy.ListRequests(r.Context(), status, "", pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{"status": {status}}, pg, rs, func(q privacy.Request) int64 { return q.ID })
	p := h.newPage(r, "privacy", "privacy").Set("Requests", items).Set("Pager", pager).Set("Status", status).
		Set("States", []string{privacy.RequestOpen, privacy.RequestDone, privacy.RequestRejected})
	return h.show(w, r, p)
}
