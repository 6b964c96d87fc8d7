package optin

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
)

func (a *API) contactRoutes(rt *httpapi.Router) {
	rt.Handle("POST", "/api/v1/contacts", access.ContactsWrite, a.createContact)
	rt.Handle("GET", "/api/v1/contacts/{id}", access.ContactsRead, a.getContact)
	rt.Handle("GET", "/api/v1/contacts/{id}/subscriptions", access.ContactsRead, a.getSubscriptions)
	rt.Handle("POST", "/api/v1/contacts/{id}/subscriptions", access.ContactsWrite, a.subscribe)
	rt.Handle("POST", "/api/v1/contacts/{id}/unsubscribe", access.ContactsWrite, a.unsubscribe)
	rt.Handle("GET", "/api/v1/contacts/{id}/consents", access.ContactsRead, a.getConsents)
}

// contactView is a contact with its subscriptions.
type contactView struct {
	contacts.Contact
	Subscriptions []Subscription `json:"subscriptions"`
}

type consentInput struct {
	Source    string `json:"source"`
	Purpose   string `json:"purpose"`
	Evidence  string `json:"evidence"`
	Confirmed bool   `json:"confirmed"`
}

type createContactInput struct {
	Email      string         `json:"email"`
	Name       string         `json:"name"`
	Attributes map[string]any `json:"attributes"`
	Source     string         `json:"source"`
	// Lists to subscribe to at once, with Consent (required with lists).
	Lists   []string      `json:"lists"`
	Consent *consentInput `json:"consent"`
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request) error {
	var in createContactInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Source == "" {
		in.Source = "api"
	}
	n := NewContact{New: contacts.New{Email: in.Email, Name: in.Name, Attributes: in.Attributes, Source: in.Source},
		Lists: in.Lists}
	if len(in.Lists) > 0 && in.Consent != nil {
		c := consentOf(in.Consent, "")
		n.Consent, n.Confirmed = &c, in.Consent.Confirmed
	}
	c, subs, err := a.Store.CreateContact(r.Context(), a.Contacts, n)
	if err != nil {
		return err
	}
	if err := a.Contacts.HideFor(r.Context(), &c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/contacts/"+strconv.FormatInt(c.ID, 10))
	httpapi.WriteJSON(w, http.StatusCreated, contactView{Contact: c, Subscriptions: subs})
	return nil
}

func consentOf(in *consentInput, _ string) Consent {
	src := in.Source
	if src == "" {
		src = "api"
	}
	return Consent{Source: src, Purpose: in.Purpose, Evidence: in.Evidence}
}

// prefixField puts a prefix before the field name of a validation error.
func prefixField(err error, prefix string) error {
	if e, ok := err.(*errs.Error); ok && e.Field != "" {
		cp := *e
		cp.Field = prefix + e.Field
		return &cp
	}
	return err
}

func (a *API) contactID(r *http.Request) (int64, error) { return httpapi.PathID(r, "id") }

func (a *API) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := a.contactID(r)
	if err != nil {
		return err
	}
	c, err := a.Contacts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	subs, err := a.Store.Subscriptions(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.Contacts.HideFor(r.Context(), &c); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, contactView{Contact: c, Subscriptions: subs})
	return nil
}

func (a *API) getSubscriptions(w http.ResponseWriter, r *http.Request) error {
	id, err := a.contactID(r)
	if err != nil {
		return err
	}
	if _, err := a.Contacts.Get(r.Context(), id); err != nil {
		return err
	}
	subs, err := a.Store.Subscriptions(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": subs})
	return nil
}

type subscribeInput struct {
	Lists []string `json:"lists"`
	consentInput
}

func (a *API) subscribe(w http.ResponseWriter, r *http.Request) error {
	id, err := a.contactID(r)
	if err != nil {
		return err
	}
	var in subscribeInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if len(in.Lists) == 0 {
		return errs.Invalid("lists", "is required: at least one list id or slug")
	}
	if in.Purpose == "" && in.Source == "" {
		return errs.Invalid("source", "is required: how the contact gave consent")
	}
	ids, err := a.Store.ResolveLists(r.Context(), "lists", in.Lists)
	if err != nil {
		return err
	}
	subs, err := a.Store.Subscribe(r.Context(), id, ids, consentOf(&in.consentInput, ""), in.Confirmed)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": subs})
	return nil
}

type unsubscribeInput struct {
	// Lists to leave; empty means every list.
	Lists    []string `json:"lists"`
	Source   string   `json:"source"`
	Evidence string   `json:"evidence"`
}

func (a *API) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	id, err := a.contactID(r)
	if err != nil {
		return err
	}
	var in unsubscribeInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var ids []int64
	if len(in.Lists) > 0 {
		if ids, err = a.Store.ResolveLists(r.Context(), "lists", in.Lists); err != nil {
			return err
		}
	}
	if in.Source == "" {
		in.Source = "api"
	}
	n, err := a.Store.Unsubscribe(r.Context(), id, ids, Consent{Source: in.Source, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	subs, err := a.Store.Subscriptions(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"left": n, "items": subs})
	return nil
}

func (a *API) getConsents(w http.ResponseWriter, r *http.Request) error {
	id, err := a.contactID(r)
	if err != nil {
		return err
	}
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	if _, err := a.Contacts.Get(r.Context(), id); err != nil {
		return err
	}
	recs, err := a.Store.ConsentRecords(r.Context(), id, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(recs, p.Limit, func(c ConsentRecord) int64 { return c.ID }))
	return nil
}
