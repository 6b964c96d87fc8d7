package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/privacy"
)

// auditList is the audit log, filtered by action, a page at a time.
func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) error {
	action := r.URL.Query().Get("action")
	pg, err := pageOf(r, 100)
	if err != nil {
		return err
	}
	es, err := h.Privacy.AuditLog(r.Context(), action, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	f := url.Values{}
	if action != "" {
		f.Set("action", action)
	}
	items, pager := newPager(r.URL.Path, f, pg, es, func(e privacy.Entry) int64 { return e.ID })
	p := h.newPage(r, "audit", "privacy").Set("Entries", items).Set("Pager", pager).Set("Action", action).
		Set("Actions", audit.Actions)
	return h.show(w, r, p)
}
