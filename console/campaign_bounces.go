package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/bounces"
)

// campaignBounces lists who bounced in a campaign, a page at a time: when,
// the recipient (with a link to the contact), class, reason and the
// receiving server's words. The addresses of many contacts are a bulk
// read, audited by the same service call GET /api/v1/campaigns/{id}/bounces
// makes.
func (h *Handler) campaignBounces(w http.ResponseWriter, r *http.Request) error {
	if h.Bounces == nil {
		return errNotFound
	}
	c, err := h.pathCampaign(r)
	if err != nil {
		return err
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	bs, err := h.Bounces.ReadCampaign(r.Context(), c.ID, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{}, pg, bs, func(b bounces.Bounce) int64 { return b.ID })
	p := h.newPage(r, "campaign_bounces", "campaigns").Set("C", c).Set("Items", items).Set("Pager", pager)
	return h.show(w, r, p)
}
