package console

import (
	"net/http"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/console/form"
)

// campaignList lists campaigns found by a part of their name or subject,
// of one status, archived ones left out unless the filter asks for them
// (the rule of GET /api/v1/campaigns, which also judges the filter: a
// wrong one is a 422 naming it), a page at a time.
func (h *Handler) campaignList(w http.ResponseWriter, r *http.Request) error {
	f := form.NewCampaignSearchForm(r)
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	cs, err := h.Campaigns.List(r.Context(), f.Filter(), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, f.Values(), pg, cs, func(c campaigns.Campaign) int64 { return c.ID })
	p := h.newPage(r, "campaigns", "campaigns").Set("Form", f).Set("States", campaigns.States)
	return h.show(w, r, p.Set("Campaigns", items).Set("Pager", pager))
}
