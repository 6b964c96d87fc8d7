package console

import (
	"net/http"
	"time"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/console/form"
)

// bounceList is the department's bounces, newest first, filtered by class,
// reason, campaign and date range, a page at a time, with the hard and
// soft bounces of the last 30 days at the top. The recipients of many
// contacts make it a bulk read, audited by the service call GET
// /api/v1/bounces makes (bounces.List).
func (h *Handler) bounceList(w http.ResponseWriter, r *http.Request) error {
	if h.Bounces == nil {
		return errNotFound
	}
	ctx := r.Context()
	f := form.NewBounceFilterForm(r)
	p := h.newPage(r, "bounces", "bounces").Set("Form", f).Set("Classes", bounces.Classes).Set("Reasons", bounces.MetricReasons)
	totals, err := h.Bounces.TotalsSince(ctx, time.Now().AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	p.Set("Totals", totals)
	bf, errs := f.Filter(h.Location)
	var selected []int64
	if bf.CampaignID != 0 {
		selected = []int64{bf.CampaignID}
	}
	camps, err := h.Bounces.Campaigns(ctx, selected, 100)
	if err != nil {
		return err
	}
	p.Set("Campaigns", camps)
	if errs != nil {
		p.Errs = map[string]string{}
		for k, m := range errs {
			p.Errs[k] = p.Msg(m)
		}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	bs, err := h.Bounces.List(ctx, bf, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, f.Values(), pg, bs, func(b bounces.Bounce) int64 { return b.ID })
	names := map[int64]string{}
	for _, c := range camps {
		names[c.ID] = c.Name
	}
	return h.show(w, r, p.Set("Items", items).Set("Pager", pager).Set("Names", names))
}
