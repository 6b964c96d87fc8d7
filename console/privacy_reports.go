package console

import (
	"net/http"

	"github.com/postbode/postbode/privacy"
)

// privacyReports shows the opt-in origin, the personal-data inventory and
// the stars distribution (as a chart).
func (h *Handler) privacyReports(w http.ResponseWriter, r *http.Request) error {
	ctx, actor := r.Context(), actorOf(r)
	origin, err := h.Privacy.OptinOrigin(ctx, privacy.OriginFilter{}, actor)
	if err != nil {
		return err
	}
	inv, err := h.Privacy.Inventory(ctx, actor)
	if err != nil {
		return err
	}
	st, err := h.Privacy.Stars(ctx, actor)
	if err != nil {
		return err
	}
	labels := []string{"★", "★★", "★★★", "★★★★", "★★★★★"}
	values := []int64{st.Stars["1"], st.Stars["2"], st.Stars["3"], st.Stars["4"], st.Stars["5"]}
	p := h.newPage(r, "privacy_reports", "privacy").Set("Origin", origin).Set("Inventory", inv).Set("Stars", st).
		Set("Bars", bars(labels, values))
	return h.show(w, r, p)
}
