package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/optin"
)

// contactCreate shows the New contact form.
func (h *Handler) contactCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := h.contactCreatePage(r, &form.ContactCreateForm{})
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

func (h *Handler) contactCreatePage(r *http.Request, f *form.ContactCreateForm) (*page, error) {
	lists, err := h.Optin.ListRefs(r.Context())
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "contact_new", "contacts").Set("Form", f).Set("Lists", lists), nil
}

// contactCreateSave creates a contact with optin.CreateContact, the rule
// of POST /api/v1/contacts: subscribing needs consent on record (source
// manual, with the evidence staff give); double opt-in lists start
// unconfirmed unless staff tick that consent was already confirmed. When
// the form's own checks fail, the contact's are made too (CheckContact),
// so every wrong field shows at once.
func (h *Handler) contactCreateSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewContactCreateForm(r)
	attrs, e := f.Validate()
	n := optin.NewContact{New: contacts.New{Email: f.Email, Name: f.Name, Attributes: attrs, Source: "manual"},
		ListIDs: f.Lists, Confirmed: f.Confirmed}
	if len(f.Lists) > 0 {
		n.Consent = &optin.Consent{Source: "manual", Purpose: f.Purpose, Evidence: f.Evidence}
	}
	var err error
	if len(e) > 0 {
		err = h.Optin.CheckContact(r.Context(), &n)
	} else {
		var c contacts.Contact
		if c, _, err = h.Optin.CreateContact(r.Context(), h.Contacts, n); err == nil {
			return h.redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "contact.created.flash")
		}
	}
	all, err := formErrors(r, e, err, contactField)
	if ce := (*errs.Error)(nil); errors.As(err, &ce) && ce.Kind == errs.KindConflict {
		// A taken or blocklisted address is told on the address.
		all, err = map[string]string{"email": trMsg(pageLang(r), ce.Message)}, nil
	}
	if err != nil {
		return err
	}
	p, err := h.contactCreatePage(r, f)
	if err != nil {
		return err
	}
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}

// contactField places a field the contact service names on the form's
// field: attributes.* on the fields box, consent.* on its own input, the
// lists on the list choice.
func contactField(f string) string {
	switch {
	case strings.HasPrefix(f, "attributes"):
		return "fields"
	case strings.HasPrefix(f, "consent."):
		return strings.TrimPrefix(f, "consent.")
	case f == "list_ids" || strings.HasPrefix(f, "lists"):
		return "lists"
	}
	return f
}
