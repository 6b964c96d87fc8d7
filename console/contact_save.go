package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
)

// contactSave saves a contact's name and fields (the change is recorded
// with its source, manual, and the person in the contact's history). When
// the fields do not parse, the name is checked too (contacts.Patch), so
// every wrong field shows at once.
func (h *Handler) contactSave(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	f := form.NewContactForm(r)
	attrs, e := f.Attributes()
	patch := contacts.Patch{Name: &f.Name, Attributes: attrs, Source: "manual"}
	if len(e) > 0 {
		err = patch.Validate()
	} else {
		// The form holds every field the person can see: one they took out
		// is removed; hidden ones (not on the form) stay.
		if patch.Attributes == nil {
			patch.Attributes = map[string]any{}
		}
		for k := range c.Attributes {
			if _, ok := patch.Attributes[k]; !ok {
				patch.Attributes[k] = nil
			}
		}
		_, err = h.Contacts.Update(r.Context(), c.ID, patch)
	}
	if len(e) == 0 && err == nil {
		return h.redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "contact.saved")
	}
	all, err := formErrors(r, e, err, contactField)
	if err != nil {
		return err
	}
	p, err := h.contactEditPage(r, c, f, &form.SubscribeForm{})
	if err != nil {
		return err
	}
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
