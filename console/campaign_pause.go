package console

import "net/http"

// campaignPause pauses a running campaign; queued messages wait.
func (h *Handler) campaignPause(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Pause, "campaign.paused")
}
