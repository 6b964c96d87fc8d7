package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/bounces"
)

// bounceDismiss dismisses a counted bounce through the service POST
// /api/v1/bounces/{id}/dismiss calls (bounces.Dismiss, which audits it)
// and returns to the bounce.
func (h *Handler) bounceDismiss(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBounce(r)
	if err != nil {
		return err
	}
	if _, err := h.Bounces.Dismiss(r.Context(), b.ID); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"bounces/"+strconv.FormatInt(b.ID, 10), "bounce.dismissed")
}

// notDismissable is the error for a bounce that cannot be dismissed.
func notDismissable(b bounces.Bounce) error {
	if b.DismissedAt != nil {
		return bounces.ErrDismissed
	}
	return bounces.ErrNotCounted
}
