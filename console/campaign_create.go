package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// campaignCreate shows the compose form for a new campaign.
func (h *Handler) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	f := &form.CampaignForm{TrackOpens: true, TrackClicks: true,
		HTML: "<p>Hello {{.Contact.Name}},</p>\n<p></p>", Text: "Hello {{.Contact.Name}},\n"}
	if r.URL.Query().Get("kind") == "update" {
		f = form.UpdateMailingForm()
	}
	p, err := h.campaignFormPage(r, "campaign_new", f)
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// campaignFormPage is a compose page with the lists to choose from.
func (h *Handler) campaignFormPage(r *http.Request, view string, f *form.CampaignForm) (*page, error) {
	lists, err := h.Optin.ListRefs(r.Context())
	if err != nil {
		return nil, err
	}
	return h.newPage(r, view, "campaigns").Set("Form", f).Set("Lists", lists), nil
}
