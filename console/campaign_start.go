package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/httpapi"
)

// campaignStart starts a draft or scheduled campaign now.
func (h *Handler) campaignStart(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Start, "campaign.started")
}

// campaignOp runs a state change of the campaign in the path and goes back
// to its page.
func (h *Handler) campaignOp(w http.ResponseWriter, r *http.Request, op func(context.Context, int64) (campaigns.Campaign, error), flash string) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := op(r.Context(), id); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(id, 10), flash)
}
