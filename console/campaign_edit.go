package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// campaignEdit shows the compose form of a draft or scheduled campaign.
func (h *Handler) campaignEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathCampaign(r)
	if err != nil {
		return err
	}
	p, err := h.campaignFormPage(r, "campaign_edit", form.CampaignFormOf(c))
	if err != nil {
		return err
	}
	return h.show(w, r, p.Set("C", c))
}
