package console

import "net/http"

// campaignCancelConfirm asks before a campaign is cancelled for good.
func (h *Handler) campaignCancelConfirm(w http.ResponseWriter, r *http.Request) error {
	p, _, err := h.campaignPage(r, "campaign_cancel")
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// campaignCancel cancels a campaign: messages not yet sent are dropped.
func (h *Handler) campaignCancel(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Cancel, "campaign.cancelled")
}
