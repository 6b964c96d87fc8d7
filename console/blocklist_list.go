package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
)

// blocklistList is the department's blocklist, a page at a time, searched
// by address (contacts.ListBlocks, as GET /api/v1/blocklist), with the
// form that adds addresses for those who may change contacts.
func (h *Handler) blocklistList(w http.ResponseWriter, r *http.Request) error {
	p, err := h.blocklistPage(r, &form.BlocklistForm{BlockForm: form.BlockForm{Reason: "request"}})
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// blocklistPage builds the blocklist page of r with the add form f.
func (h *Handler) blocklistPage(r *http.Request, f *form.BlocklistForm) (*page, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg, err := pageOf(r, 50)
	if err != nil {
		return nil, err
	}
	bs, err := h.Contacts.ListBlocks(r.Context(), q, pg.After, pg.Limit)
	if err != nil {
		return nil, err
	}
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	items, pager := newPager(Prefix+"blocklist", v, pg, bs, func(b contacts.Block) int64 { return b.ID })
	return h.newPage(r, "blocklist", "bounces").Set("Items", items).Set("Pager", pager).Set("Q", q).Set("Form", f).
		Set("BlockReasons", form.BlockReasons).Set("Max", form.MaxBlockLines), nil
}
