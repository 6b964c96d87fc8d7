package console

import "net/http"

// campaignArchive puts a finished or cancelled campaign into the archive
// (the rule of POST /api/v1/campaigns/{id}/archive): the campaign list
// leaves it out until its filter asks for archived campaigns.
func (h *Handler) campaignArchive(w http.ResponseWriter, r *http.Request) error {
	return h.campaignOp(w, r, h.Campaigns.Archive, "campaign.archived.done")
}
