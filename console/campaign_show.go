package console

import (
	"net/http"
	"slices"
	"time"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/optin"
)

// campaignShow is one campaign: its content, progress (polled while it
// runs) and the actions its state allows.
func (h *Handler) campaignShow(w http.ResponseWriter, r *http.Request) error {
	p, _, err := h.campaignPage(r, "campaign")
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// campaignPage loads the campaign of the path with its stats into a page.
func (h *Handler) campaignPage(r *http.Request, view string) (*page, campaigns.Campaign, error) {
	c, err := h.pathCampaign(r)
	if err != nil {
		return nil, c, err
	}
	st, err := h.Campaigns.Stats(r.Context(), c.ID)
	if err != nil {
		return nil, c, err
	}
	p := h.newPage(r, view, "campaigns").Set("C", c).Set("Stats", st).
		Set("Running", c.Status == campaigns.StateRunning).Set("CanArchive", campaigns.CanArchive(c)).Set("Zone", humantime.Zone(h.Location)).
		Set("Tomorrow", time.Now().In(h.loc()).AddDate(0, 0, 1).Format("2006-01-02"))
	p.Poll = r.URL.Path
	if view == "campaign" {
		lists, err := h.campaignLists(r, c.ListIDs)
		if err != nil {
			return nil, c, err
		}
		p.Set("Lists", lists)
	}
	return p, c, nil
}

// campaignLists are the lists a campaign goes to, by name (a list that
// is gone keeps its id and an empty name).
func (h *Handler) campaignLists(r *http.Request, ids []int64) ([]optin.ListRef, error) {
	refs, err := h.Optin.ListRefs(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]optin.ListRef, 0, len(ids))
	for _, id := range ids {
		ref := optin.ListRef{ID: id}
		if i := slices.IndexFunc(refs, func(l optin.ListRef) bool { return l.ID == id }); i >= 0 {
			ref = refs[i]
		}
		out = append(out, ref)
	}
	return out, nil
}

// pathCampaign is the campaign the path names ({id}).
func (h *Handler) pathCampaign(r *http.Request) (campaigns.Campaign, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return campaigns.Campaign{}, err
	}
	return h.Campaigns.Get(r.Context(), id)
}
