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
	var domain map[string]string
	if len(e) == 0 {
		_, err = h.Campaigns.Update(r.Context(), c.ID, f.Input())
		if fe, ok := fieldError(r, err); ok {
			domain = fe
		} else if err != nil {
			return err
		}
	}
	if len(e) > 0 || domain != nil {
		p, err := h.campaignFormPage(r, "campaign_edit", f)
		if err != nil {
			return err
		}
		p.setErrs(e)
		for k, v := range domain {
			p.Errs[k] = v
		}
		return h.render(w, r, http.StatusUnprocessableEntity, p.Set("C", c))
	}
	return redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10), "campaign.saved")
}
