package console

import (
	"net/http"

	"github.com/postbode/postbode/optin"
)

// updateShow is an update mailing's answers per button, with the reminder
// form and the way to the purge.
func (h *Handler) updateShow(w http.ResponseWriter, r *http.Request) error {
	p, c, err := h.campaignPage(r, "update")
	if err != nil {
		return err
	}
	rep, err := h.FollowUps.Report(r.Context(), c.ID)
	if err != nil {
		return err
	}
	p.Set("Report", rep).Set("Answers", []string{optin.AnswerOK, optin.AnswerChanged, optin.AnswerRemove, optin.NoAnswer})
	return h.show(w, r, p)
}
