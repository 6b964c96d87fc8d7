package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/privacy"
)

// auditList is the audit log, filtered by action, newest first, a page at
// a time (privacy.AuditLatest, as the erasure log; the API's GET
// /api/v1/privacy/audit pages the same entries oldest first).
func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) error {
	action := r.URL.Query().Get("action")
	pg, err := pageOf(r, 100)
	if err != nil {
		return err
	}
	var actions []string
	if action != "" {
		actions = []string{action}
	}
	es, err := h.Privacy.AuditLatest(r.Context(), actions, pg.After, pg.Limit)
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
