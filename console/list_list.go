package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/postbode/postbode/optin"
)

// listList shows the lists with purpose, opt-in mode and counts, and each
// list's subscribe form URL with an embeddable snippet.
func (h *Handler) listList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 100)
	if err != nil {
		return err
	}
	ls, err := h.Optin.ListLists(r.Context(), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{}, pg, ls, func(l optin.List) int64 { return l.ID })
	base := strings.TrimRight(h.PublicURL, "/")
	return h.show(w, r, h.newPage(r, "lists", "lists").Set("Lists", items).Set("Pager", pager).Set("Base", base))
}
