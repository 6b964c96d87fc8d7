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
// unconfirmed unless staff tick that consent was already confirmed.
func (h *Handler) contactCreateSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewContactCreateForm(r)
	attrs, e := f.Validate()
	var domain map[string]string
	if len(e) == 0 {
		n := optin.NewContact{New: contacts.New{Email: f.Email, Name: f.Name, Attributes: attrs, Source: "manual"},
			ListIDs: f.Lists, Confirmed: f.Confirmed}
		if len(f.Lists) > 0 {
			n.Consent = &optin.Consent{Source: "manual", Purpose: f.Purpose, Evidence: f.Evidence}
		}
		c, _, err := h.Optin.CreateContact(r.Context(), h.Contacts, n)
		if err == nil {
			return redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "contact.created.flash")
		}
		if domain = createFieldError(r, err); domain == nil {
			return err
		}
	}
	p, err := h.contactCreatePage(r, f)
	if err != nil {
		return err
	}
	p.setErrs(e)
	for k, v := range domain {
		p.Errs[k] = v
	}
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}

// createFieldError places a refusal of the service on the form's field:
// attributes.* on the fields box, consent.* on its own input, a taken or
// blocklisted address on the address; nil for any other error.
func createFieldError(r *http.Request, err error) map[string]string {
	if fe, ok := fieldError(r, err); ok {
		out := map[string]string{}
		for k, v := range fe {
			switch {
			case strings.HasPrefix(k, "attributes"):
				k = "fields"
			case strings.HasPrefix(k, "consent."):
				k = strings.TrimPrefix(k, "consent.")
			case k == "list_ids" || strings.HasPrefix(k, "lists"):
				k = "lists"
			}
			out[k] = v
		}
		return out
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindConflict {
		return map[string]string{"email": e.Message}
	}
	return nil
}
