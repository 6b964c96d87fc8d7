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
	return redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10), "campaign.created")
}

// campaignFieldErrors are the compose form's errors: the form's own
// (catalogue keys, translated) and the campaign's field errors in err, a
// field the form already names keeping the form's message; the list
// field is the form's lists. err that is no field error is returned.
func (h *Handler) campaignFieldErrors(r *http.Request, form map[string]string, err error) (map[string]string, error) {
	out := map[string]string{}
	lang := pageLang(r)
	for f, k := range form {
		out[f] = tr(lang, k)
	}
	if err == nil {
		return out, nil
	}
	domain, ok := fieldError(r, err)
	if !ok {
		return nil, err
	}
	for f, msg := range domain {
		if f == "list_ids" {
			f = "lists"
		}
		if _, named := out[f]; !named {
			out[f] = msg
		}
	}
	return out, nil
}
