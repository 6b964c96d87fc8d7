package contacts

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi.json
var openAPIFragment []byte

// API is the contacts part of the admin API (an httpapi.Module): listing,
// export, change and erasure of contacts, their history, and the
// blocklist. Routes that answer with or change subscriptions and consent
// are served by the optin package, which knows lists.
type API struct {
	Store *Store
	// DB is where bulk reads and exports are audited.
	DB *db.Pool
	// Lists resolves the ?list= filter (an id or slug); nil refuses it.
	Lists ListResolver
	// Eraser erases a contact (the privacy package); when nil, DELETE on a
	// contact removes its rows without anonymised statistics.
	Eraser Eraser
	// ExportMailer, when set, mails bulk exports to the department's main
	// person instead of downloading them (people.mail_exports).
	ExportMailer ExportMailer
	// MaxBodyBytes caps JSON bodies; default 1 MiB.
	MaxBodyBytes int64
}

// ListResolver turns list ids or slugs into list ids; field names the
// input in errors.
type ListResolver interface {
	ResolveLists(ctx context.Context, field string, refs []string) ([]int64, error)
}

// Eraser erases one contact's personal data.
type Eraser interface {
	Erase(ctx context.Context, contactID int64, cause, actor string) error
}

// OpenAPI returns the fragment documenting the routes.
func (a *API) OpenAPI() []byte { return openAPIFragment }

// Routes registers the routes.
func (a *API) Routes(rt *httpapi.Router) {
	rt.Handle("GET", "/api/v1/contacts", access.ContactsRead, a.listContacts)
	rt.Handle("PATCH", "/api/v1/contacts/{id}", access.ContactsWrite, a.updateContact)
	rt.Handle("DELETE", "/api/v1/contacts/{id}", access.PrivacyErase, a.deleteContact)
	rt.Handle("GET", "/api/v1/contacts/{id}/history", access.ContactsRead, a.getHistory)
	rt.Handle("GET", "/api/v1/contacts/export", access.ContactsExport, a.exportContacts)
	rt.Handle("GET", "/api/v1/blocklist", access.ContactsRead, a.listBlocks)
	rt.Handle("POST", "/api/v1/blocklist", access.ContactsWrite, a.block)
	rt.Handle("DELETE", "/api/v1/blocklist/{email}", access.ContactsWrite, a.unblock)
}

func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpapi.DecodeJSON(w, r, a.maxBody(), v)
}

func (a *API) maxBody() int64 {
	if a.MaxBodyBytes == 0 {
		return 1 << 20
	}
	return a.MaxBodyBytes
}

func (a *API) listContacts(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	f, err := a.contactFilter(r)
	if err != nil {
		return err
	}
	cs, err := a.Store.List(r.Context(), f, p.After, p.Limit)
	if err != nil {
		return err
	}
	for i := range cs {
		if err := a.Store.HideFor(r.Context(), &cs[i]); err != nil {
			return err
		}
	}
	page := httpapi.NewPage(cs, p.Limit, func(c Contact) int64 { return c.ID })
	if err := a.auditBulk(r, "bulk-read", f, len(page.Items)); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

// contactFilter reads the filter of a contact listing or export.
func (a *API) contactFilter(r *http.Request) (Filter, error) {
	var err error
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), Source: q.Get("source"), Email: q.Get("email")}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusInactive && f.Status != StatusBlocklisted {
		return f, httpapi.Invalid("status", "must be active, inactive or blocklisted")
	}
	if v := q.Get("stars"); v != "" {
		if f.Stars, err = strconv.Atoi(v); err != nil || f.Stars < 1 || f.Stars > 5 {
			return f, httpapi.Invalid("stars", "must be 1 to 5")
		}
	}
	if v := q.Get("list"); v != "" {
		if a.Lists == nil {
			return f, httpapi.Invalid("list", "filtering by list is not available")
		}
		ids, err := a.Lists.ResolveLists(r.Context(), "list", []string{v})
		if err != nil {
			return f, httpapi.Invalid("list", "unknown list "+strconv.Quote(v))
		}
		f.ListID = ids[0]
	}
	return f, nil
}

// patchContactInput is the body of PATCH /contacts/{id}, a merge patch:
// email and name change when given; attributes are merged key by key (a key
// with null is removed, keys not named stay, hidden ones too).
type patchContactInput struct {
	Email      *string        `json:"email"`
	Name       *string        `json:"name"`
	Attributes map[string]any `json:"attributes"`
}

func (a *API) updateContact(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in patchContactInput
	if err := httpapi.DecodePatch(w, r, a.maxBody(), &in); err != nil {
		return err
	}
	c, err := a.Store.Update(r.Context(), id, Patch{Email: in.Email, Name: in.Name, Attributes: in.Attributes, Source: "api"})
	if err != nil {
		return err
	}
	if err := a.Store.HideFor(r.Context(), &c); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) deleteContact(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if a.Eraser != nil {
		err = a.Eraser.Erase(r.Context(), id, "request", httpapi.Actor(r.Context()))
	} else {
		err = a.Store.Delete(r.Context(), id)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
