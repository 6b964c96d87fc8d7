package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/optin"
)

// changeList lists the change requests from the update page, pending first by default.
func (h *Handler) changeList(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = optin.ChangePending
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	cs, err := h.Optin.ChangeRequests(r.Context(), status, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{"status": {status}}, pg, cs, func(c optin.ChangeRequest) int64 { return c.ID })
	p := h.newPage(r, "changes", "campaigns").Set("Changes", items).Set("Pager", pager).Set("Status", status).
		Set("States", []string{optin.ChangePending, optin.ChangeApproved, optin.ChangeRejected, optin.ChangeApplied})
	return h.show(w, r, p)
}
