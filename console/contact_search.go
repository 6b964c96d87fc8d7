package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
)

// contactSearch lists contacts matching a query on address or name and the
// filters (list, status, stars, source), a page at a time.
func (h *Handler) contactSearch(w http.ResponseWriter, r *http.Request) error {
	f := form.NewContactSearchForm(r)
	p := h.newPage(r, "contacts", "contacts").Set("Form", f).Set("Sources", contacts.Sources).
		Set("BlockReasons", form.BlockReasons).Set("Max", form.MaxBulk)
	lists, err := h.Optin.ListRefs(r.Context())
	if err != nil {
		return err
	}
	p.Set("Lists", lists)
	if e := f.Validate(); len(e) > 0 {
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	var listID int64
	if f.List != "" {
		ids, err := h.Optin.ResolveLists(r.Context(), "list", []string{f.List})
		if err != nil {
			p.Errs = map[string]string{"list": p.T("contacts.err.list")}
			return h.render(w, r, http.StatusUnprocessableEntity, p)
		}
		listID = ids[0]
	}
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	cs, err := h.Contacts.List(r.Context(), f.Filter(listID), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, f.Values(), pg, cs, func(c contacts.Contact) int64 { return c.ID })
	return h.show(w, r, p.Set("Contacts", items).Set("Pager", pager))
}
