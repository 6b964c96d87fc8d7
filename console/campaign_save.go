package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
)

// campaignSave creates a draft campaign from the compose form.
func (h *Handler) campaignSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewCampaignForm(r)
	fail := func(e map[string]string, translate bool) error {
		p, err := h.campaignFormPage(r, "campaign_new", f)
		if err != nil {
			return err
		}
		if translate {
			p.setErrs(e)
		} else {
			p.Errs = e
		}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if e := f.Validate(); len(e) > 0 {
		return fail(e, true)
	}
	c, err := h.Campaigns.Create(r.Context(), f.Input(), actorOf(r))
	if fe, ok := fieldError(r, err); ok {
		return fail(fe, false)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10), "campaign.created")
}
