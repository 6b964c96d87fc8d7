package api

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/optin"
)

func (s *Server) contactRoutes() {
	s.rt.Handle("GET", "/api/v1/contacts", access.ContactsRead, s.listContacts)
	s.rt.Handle("POST", "/api/v1/contacts", access.ContactsWrite, s.createContact)
	s.rt.Handle("GET", "/api/v1/contacts/{id}", access.ContactsRead, s.getContact)
	s.rt.Handle("PATCH", "/api/v1/contacts/{id}", access.ContactsWrite, s.updateContact)
	s.rt.Handle("DELETE", "/api/v1/contacts/{id}", access.PrivacyErase, s.deleteContact)
	s.rt.Handle("GET", "/api/v1/contacts/{id}/subscriptions", access.ContactsRead, s.getSubscriptions)
	s.rt.Handle("POST", "/api/v1/contacts/{id}/subscriptions", access.ContactsWrite, s.subscribe)
	s.rt.Handle("POST", "/api/v1/contacts/{id}/unsubscribe", access.ContactsWrite, s.unsubscribe)
	s.rt.Handle("GET", "/api/v1/contacts/{id}/consents", access.ContactsRead, s.getConsents)
	s.rt.Handle("GET", "/api/v1/contacts/{id}/history", access.ContactsRead, s.getHistory)
	s.rt.Handle("GET", "/api/v1/contacts/export", access.ContactsExport, s.exportContacts)
}

// contactView is a contact with its subscriptions.
type contactView struct {
	contacts.Contact
	Subscriptions []optin.Subscription `json:"subscriptions"`
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	f, err := s.contactFilter(r)
	if err != nil {
		return err
	}
	cs, err := s.Contacts.List(r.Context(), f, p.After, p.Limit)
	if err != nil {
		return err
	}
	for i := range cs {
		if err := s.hideFor(r.Context(), &cs[i]); err != nil {
			return err
		}
	}
	page := httpapi.NewPage(cs, p.Limit, func(c contacts.Contact) int64 { return c.ID })
	if err := s.auditBulk(r, "bulk-read", f, len(page.Items)); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

// contactFilter reads the filter of a contact listing or export.
func (s *Server) contactFilter(r *http.Request) (contacts.Filter, error) {
	var err error
	q := r.URL.Query()
	f := contacts.Filter{Status: q.Get("status"), Source: q.Get("source"), Email: q.Get("email")}
	if f.Status != "" && f.Status != contacts.StatusActive && f.Status != contacts.StatusInactive && f.Status != contacts.StatusBlocklisted {
		return f, httpapi.Invalid("status", "must be active, inactive or blocklisted")
	}
	if v := q.Get("stars"); v != "" {
		if f.Stars, err = strconv.Atoi(v); err != nil || f.Stars < 1 || f.Stars > 5 {
			return f, httpapi.Invalid("stars", "must be 1 to 5")
		}
	}
	if v := q.Get("list"); v != "" {
		ids, err := s.Optin.ResolveLists(r.Context(), "list", []string{v})
		if err != nil {
			return f, httpapi.Invalid("list", "unknown list "+strconv.Quote(v))
		}
		f.ListID = ids[0]
	}
	return f, nil
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

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	var in createContactInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Source == "" {
		in.Source = "api"
	}
	var listIDs []int64
	if len(in.Lists) > 0 {
		if in.Consent == nil {
			return errs.Invalid("consent", "is required when subscribing to lists: source and purpose of the consent")
		}
		var err error
		if listIDs, err = s.Optin.ResolveLists(r.Context(), "lists", in.Lists); err != nil {
			return err
		}
		c := consentOf(in.Consent, "consent.")
		if err := c.Validate(); err != nil {
			return prefixField(err, "consent.")
		}
	}
	nc := contacts.New{Email: in.Email, Name: in.Name, Attributes: in.Attributes, Source: in.Source}
	if err := nc.Validate(); err != nil {
		return err
	}
	c, err := s.Contacts.Create(r.Context(), nc)
	if err != nil {
		return err
	}
	subs := []optin.Subscription{}
	if len(listIDs) > 0 {
		if subs, err = s.Optin.Subscribe(r.Context(), c.ID, listIDs, consentOf(in.Consent, ""), in.Consent.Confirmed); err != nil {
			return err
		}
		if c, err = s.Contacts.Get(r.Context(), c.ID); err != nil {
			return err
		}
	}
	if err := s.hideFor(r.Context(), &c); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, contactView{Contact: c, Subscriptions: subs})
	return nil
}

func consentOf(in *consentInput, _ string) optin.Consent {
	src := in.Source
	if src == "" {
		src = "api"
	}
	return optin.Consent{Source: src, Purpose: in.Purpose, Evidence: in.Evidence}
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

func (s *Server) contactID(r *http.Request) (int64, error) { return httpapi.PathID(r, "id") }

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	c, err := s.Contacts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	subs, err := s.Optin.Subscriptions(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.hideFor(r.Context(), &c); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, contactView{Contact: c, Subscriptions: subs})
	return nil
}

type patchContactInput struct {
	Email      *string        `json:"email"`
	Name       *string        `json:"name"`
	Attributes map[string]any `json:"attributes"`
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	var in patchContactInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.Update(r.Context(), id, contacts.Patch{Email: in.Email, Name: in.Name, Attributes: in.Attributes, Source: "api"})
	if err != nil {
		return err
	}
	if err := s.hideFor(r.Context(), &c); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	if s.Eraser != nil {
		err = s.Eraser.Erase(r.Context(), id, "request", httpapi.Actor(r.Context()))
	} else {
		err = s.Contacts.Delete(r.Context(), id)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getSubscriptions(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	if _, err := s.Contacts.Get(r.Context(), id); err != nil {
		return err
	}
	subs, err := s.Optin.Subscriptions(r.Context(), id)
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

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	var in subscribeInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if len(in.Lists) == 0 {
		return errs.Invalid("lists", "is required: at least one list id or slug")
	}
	if in.Purpose == "" && in.Source == "" {
		return errs.Invalid("source", "is required: how the contact gave consent")
	}
	ids, err := s.Optin.ResolveLists(r.Context(), "lists", in.Lists)
	if err != nil {
		return err
	}
	subs, err := s.Optin.Subscribe(r.Context(), id, ids, consentOf(&in.consentInput, ""), in.Confirmed)
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

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	var in unsubscribeInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	var ids []int64
	if len(in.Lists) > 0 {
		if ids, err = s.Optin.ResolveLists(r.Context(), "lists", in.Lists); err != nil {
			return err
		}
	}
	if in.Source == "" {
		in.Source = "api"
	}
	n, err := s.Optin.Unsubscribe(r.Context(), id, ids, optin.Consent{Source: in.Source, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	subs, err := s.Optin.Subscriptions(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"left": n, "items": subs})
	return nil
}

func (s *Server) getConsents(w http.ResponseWriter, r *http.Request) error {
	id, err := s.contactID(r)
	if err != nil {
		return err
	}
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	if _, err := s.Contacts.Get(r.Context(), id); err != nil {
		return err
	}
	recs, err := s.Optin.ConsentRecords(r.Context(), id, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(recs, p.Limit, func(c optin.ConsentRecord) int64 { return c.ID }))
	return nil
}
