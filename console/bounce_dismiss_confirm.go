package console

import "net/http"

// bounceDismissConfirm asks before a bounce is dismissed, saying what it
// changes: the bounce no longer counts toward the contact's inactivity
// (nor, through it, toward erasure by retention).
func (h *Handler) bounceDismissConfirm(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBounce(r)
	if err != nil {
		return err
	}
	if !dismissable(b) {
		return notDismissable(b)
	}
	return h.show(w, r, h.newPage(r, "bounce_dismiss", "bounces").Set("B", b))
}
