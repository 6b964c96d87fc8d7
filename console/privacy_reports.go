package console

import (
	"errors"
	"net/http"
	"sync"

	"github.com/postbode/postbode/privacy"
)

// privacyReports shows the opt-in origin, the personal-data inventory and
// the stars distribution (as a chart). The three reports are independent
// reads, each a pass over every contact: they run side by side, so the
// page takes as long as the slowest, not the sum.
func (h *Handler) privacyReports(w http.ResponseWriter, r *http.Request) error {
	ctx, actor := r.Context(), actorOf(r)
	var (
		origin                   []privacy.OriginRow
		inv                      privacy.Inventory
		st                       privacy.StarsReport
		errOrigin, errInv, errSt error
		wg                       sync.WaitGroup
	)
	wg.Add(3)
	go func() { defer wg.Done(); origin, errOrigin = h.Privacy.OptinOrigin(ctx, privacy.OriginFilter{}, actor) }()
	go func() { defer wg.Done(); inv, errInv = h.Privacy.Inventory(ctx, actor) }()
	go func() { defer wg.Done(); st, errSt = h.Privacy.Stars(ctx, actor) }()
	wg.Wait()
	if err := errors.Join(errOrigin, errInv, errSt); err != nil {
		return err
	}
	labels := []string{"★", "★★", "★★★", "★★★★", "★★★★★"}
	values := []int64{st.Stars["1"], st.Stars["2"], st.Stars["3"], st.Stars["4"], st.Stars["5"]}
	p := h.newPage(r, "privacy_reports", "privacy").Set("Origin", origin).Set("Inventory", inv).Set("Stars", st).
		Set("Bars", bars(labels, values))
	return h.show(w, r, p)
}
