package console

import "net/http"

// privacyRetention previews what the janitor's retention would erase now, per cause.
func (h *Handler) privacyRetention(w http.ResponseWriter, r *http.Request) error {
	pv, err := h.Privacy.Preview(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "privacy_retention", "privacy").Set("P", pv))
}
