package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/optin"
)

// contactSubscribe subscribes the contact to a list; the consent record
// says staff entered it (source manual), with the evidence given.
func (h *Handler) contactSubscribe(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	sf := form.NewSubscribeForm(r)
	if e := sf.Validate(); len(e) > 0 {
		p, err := h.contactEditPage(r, c, &form.ContactForm{Name: c.Name, Fields: fieldsText(c)}, sf)
		if err != nil {
			return err
		}
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	consent := optin.Consent{Source: "manual", Purpose: sf.Purpose, Evidence: sf.Evidence}
	if _, err := h.Optin.Subscribe(r.Context(), c.ID, []int64{sf.List}, consent, sf.Confirmed); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "contact.subscribed")
}
