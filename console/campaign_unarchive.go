package console

import "net/http"

// campaignUnarchive takes a campaign out of the archive, back into the
// campaign list (POST /api/v1/campaigns/{id}/unarchive).
func (h *Handler) campaignUnarchive(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Unarchive, "campaign.unarchived")
}
