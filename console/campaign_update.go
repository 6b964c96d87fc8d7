package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
)

// campaignUpdate saves the compose form of a draft or scheduled campaign.
func (h *Handler) campaignUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathCampaign(r)
	if err != nil {
		return err
	}
	f := form.NewCampaignForm(r)
	e := f.Validate()
	if len(e) > 0 {
		// Every wrong field at once: the campaign's checks too.
		err = h.Campaigns.Check(r.Context(), f.Input())
	} else {
		_, err = h.Campaigns.Update(r.Context(), c.ID, f.Input())
	}
	if len(e) > 0 || err != nil {
		all, err := h.campaignFieldErrors(r, e, err)
		if err != nil {
			return err
		}
		p, err := h.campaignFormPage(r, "campaign_edit", f)
		if err != nil {
			return err
		}
		p.Errs = all
		return h.render(w, r, http.StatusUnprocessableEntity, p.Set("C", c))
	}
	return h.redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10), "campaign.saved")
}
