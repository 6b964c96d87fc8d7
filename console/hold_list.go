package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// holdList lists the legal holds (active ones by default, ?all=1 every
// one), with the form that places a hold (?contact= fills in a contact).
func (h *Handler) holdList(w http.ResponseWriter, r *http.Request) error {
	f := &form.HoldForm{Scope: "contact", ContactID: r.URL.Query().Get("contact")}
	p, err := h.holdPage(r, f)
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// holdPage is the holds screen with the place form f.
func (h *Handler) holdPage(r *http.Request, f *form.HoldForm) (*page, error) {
	all := r.URL.Query().Get("all") == "1"
	pg, err := pageOf(r, 50)
	if err != nil {
		return nil, err
	}
	hs, err := h.Privacy.Holds(r.Context(), !all, pg.After, pg.Limit)
	if err != nil {
		return nil, err
	}
	filters := url.Values{}
	if all {
		filters.Set("all", "1")
	}
	items, pager := newPager(Prefix+"privacy/holds", filters, pg, hs, func(h privacy.Hold) int64 { return h.ID })
	return h.newPage(r, "holds", "privacy").Set("Holds", items).Set("Pager", pager).Set("All", all).
		Set("Form", f).Set("Zone", h.loc().String()), nil
}
