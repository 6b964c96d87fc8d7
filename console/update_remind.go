package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/optin"
)

// updateRemind creates a draft reminder for the recipients who did not open
// the update mailing, or did not answer it; the browser goes to the draft.
func (h *Handler) updateRemind(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	rem, err := h.FollowUps.CreateReminder(r.Context(), id, optin.ReminderInput{Criterion: r.PostFormValue("criterion")})
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(rem.CampaignID, 10), "update.reminder")
}
