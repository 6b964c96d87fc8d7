package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/privacy"
)

// erasureActions are the audit actions of erasures: staff's and requests'
// (erase) and the janitor's retention (retention-run, a count per batch).
var erasureActions = []string{privacy.ActionErase, privacy.ActionRetentionRun}

// erasureList is the erasure log: the audit log's erasures (who or which
// rule, when, how many, on which cause and ground), newest first, a page
// at a time, read only. It names no erased person: they are gone.
func (h *Handler) erasureList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 100)
	if err != nil {
		return err
	}
	es, err := h.Privacy.AuditLatest(r.Context(), erasureActions, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{}, pg, es, func(e privacy.Entry) int64 { return e.ID })
	return h.show(w, r, h.newPage(r, "erasures", "privacy").Set("Entries", items).Set("Pager", pager))
}
