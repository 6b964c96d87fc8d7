package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/campaigns"
)

// campaignList lists campaigns, optionally of one status.
func (h *Handler) campaignList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	cs, err := h.Campaigns.List(r.Context(), status, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	f := url.Values{}
	if status != "" {
		f.Set("status", status)
	}
	items, pager := newPager(r.URL.Path, f, pg, cs, func(c campaigns.Campaign) int64 { return c.ID })
	p := h.newPage(r, "campaigns", "campaigns").Set("Campaigns", items).Set("Pager", pager).Set("Status", status).
		Set("States", campaigns.States)
	return h.show(w, r, p)
}
