package console

import "net/http"

// campaignUnschedule takes a scheduled campaign back to draft.
func (h *Handler) campaignUnschedule(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Unschedule, "campaign.unscheduled")
}
