package console

import (
	"net/http"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/httpapi"
)

// bounceShow is one bounce of the department: contact, campaign, class,
// reason, codes, the receiving server's words (the diagnostic), the
// classifier rule that decided the reason and where the status came from
// (what `postbode bounces classify` prints), whether it counts toward the
// contact's inactivity, and, for one that counts, the way to dismiss it.
func (h *Handler) bounceShow(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBounce(r)
	if err != nil {
		return err
	}
	p := h.newPage(r, "bounce", "bounces").Set("B", b).Set("Dismissable", dismissable(b))
	if b.CampaignID != nil {
		cs, err := h.Bounces.Campaigns(r.Context(), []int64{*b.CampaignID}, 0)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			p.Set("Campaign", cs[0].Name)
		}
	}
	return h.show(w, r, p)
}

// pathBounce is the department's bounce named by the path's id.
func (h *Handler) pathBounce(r *http.Request) (bounces.Bounce, error) {
	if h.Bounces == nil {
		return bounces.Bounce{}, errNotFound
	}
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return bounces.Bounce{}, err
	}
	return h.Bounces.Get(r.Context(), id)
}

// dismissable says whether b is a bounce Dismiss takes: counted, hard or
// soft, not dismissed.
func dismissable(b bounces.Bounce) bool {
	return b.Counted && b.DismissedAt == nil && b.ContactID != nil && (b.Class == string(bounces.Hard) || b.Class == string(bounces.Soft))
}
