package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
)

// campaignDuplicate copies the campaign in the path as a new draft (the
// API's duplicate) and opens the copy for editing.
func (h *Handler) campaignDuplicate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Campaigns.Duplicate(r.Context(), id, actorOf(r))
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10)+"/edit", "campaign.duplicated")
}
