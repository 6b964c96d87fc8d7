package console

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"

	"github.com/postbode/postbode/privacy"
)

// erasureActions are the audit actions of erasures: staff's and requests'
// (erase) and the janitor's retention (retention-run, a count per batch).
var erasureActions = []string{privacy.ActionErase, privacy.ActionRetentionRun}

// erasureList is the erasure log: the audit log's erasures (who or which
// rule, when, how many, on which cause and ground), oldest first as the
// audit log, a page at a time, read only. It names no erased person: they
// are gone.
func (h *Handler) erasureList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 100)
	if err != nil {
		return err
	}
	var es []privacy.Entry
	for _, a := range erasureActions {
		more, err := h.Privacy.AuditLog(r.Context(), a, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		es = append(es, more...)
	}
	// Each action's page runs from the cursor by id: merged, the first
	// limit+1 are the page and whether there is a next.
	slices.SortFunc(es, func(a, b privacy.Entry) int { return cmp.Compare(a.ID, b.ID) })
	es = es[:min(len(es), pg.Limit+1)]
	items, pager := newPager(r.URL.Path, url.Values{}, pg, es, func(e privacy.Entry) int64 { return e.ID })
	return h.show(w, r, h.newPage(r, "erasures", "privacy").Set("Entries", items).Set("Pager", pager))
}
