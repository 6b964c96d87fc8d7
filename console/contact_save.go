package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
)

// contactSave saves a contact's name and fields (the change is recorded
// with its source, manual, and the person in the contact's history).
func (h *Handler) contactSave(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	f := form.NewContactForm(r)
	attrs, e := f.Attributes()
	var domain map[string]string
	if len(e) == 0 {
		// The form holds every field the person can see: one they took out
		// is removed; hidden ones (not on the form) stay.
		if attrs == nil {
			attrs = map[string]any{}
		}
		for k := range c.Attributes {
			if _, ok := attrs[k]; !ok {
				attrs[k] = nil
			}
		}
		_, err = h.Contacts.Update(r.Context(), c.ID, contacts.Patch{Name: &f.Name, Attributes: attrs, Source: "manual"})
		if fe, ok := fieldError(r, err); ok {
			domain = fe
		} else if err != nil {
			return err
		}
	}
	if len(e) > 0 || domain != nil {
		p, err := h.contactEditPage(r, c, f, &form.SubscribeForm{})
		if err != nil {
			return err
		}
		p.setErrs(e)
		for k, v := range domain {
			p.Errs[k] = v
		}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	return redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "contact.saved")
}
