package console

import "net/http"

// campaignResume resumes a paused campaign.
func (h *Handler) campaignResume(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Resume, "campaign.resumed")
}
