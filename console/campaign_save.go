package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
)

// campaignSave creates a draft campaign from the compose form.
func (h *Handler) campaignSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewCampaignForm(r)
	fail := func(e map[string]string) error {
		p, err := h.campaignFormPage(r, "campaign_new", f)
		if err != nil {
			return err
		}
		p.Errs = e
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if e := f.Validate(); len(e) > 0 {
		// The form's own checks failed: the campaign's are made too, so
		// every wrong field shows at once, not one per attempt.
		all, err := h.campaignFieldErrors(r, e, h.Campaigns.Check(r.Context(), f.Input()))
		if err != nil {
			return err
		}
		return fail(all)
	}
	c, err := h.Campaigns.Create(r.Context(), f.Input(), actorOf(r))
	if err != nil {
		all, ferr := h.campaignFieldErrors(r, nil, err)
		if ferr != nil {
			return ferr
		}
		return fail(all)
	}
	return h.redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10), "campaign.created")
}

// campaignFieldErrors are the compose form's errors (formErrors); the
// campaign's list_ids field is the form's lists.
func (h *Handler) campaignFieldErrors(r *http.Request, form map[string]string, err error) (map[string]string, error) {
	return formErrors(r, form, err, func(f string) string {
		if f == "list_ids" {
			return "lists"
		}
		return f
	})
}
