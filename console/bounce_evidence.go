package console

import (
	"net/http"

	"github.com/postbode/postbode/bounces"
)

// bounceEvidence lists, newest first and read-only, the reports kept as
// evidence only: bounces and complaints no token proved to answer a
// message postbode sent, which changed nothing. It needs what GET
// /api/v1/bounces/unauthenticated needs (contacts.read); the addresses
// they name make the read a bulk read, audited (bounces.List).
func (h *Handler) bounceEvidence(w http.ResponseWriter, r *http.Request) error {
	if h.Bounces == nil {
		return errNotFound
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	bs, err := h.Bounces.List(r.Context(), bounces.Filter{Evidence: true}, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, nil, pg, bs, func(b bounces.Bounce) int64 { return b.ID })
	return h.show(w, r, h.newPage(r, "bounce_evidence", "bounces").Set("Items", items).Set("Pager", pager))
}
