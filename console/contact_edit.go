package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
)

// contactEdit shows the edit form of a contact: name and fields, and
// subscribing to a list with the consent recorded.
func (h *Handler) contactEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	p, err := h.contactEditPage(r, c, &form.ContactForm{Name: c.Name, Fields: fieldsText(c)}, &form.SubscribeForm{})
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// contactEditPage is the edit page with the lists to subscribe to.
func (h *Handler) contactEditPage(r *http.Request, c contacts.Contact, f *form.ContactForm, sf *form.SubscribeForm) (*page, error) {
	lists, err := h.Optin.ListRefs(r.Context())
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "contact_edit", "contacts").Set("C", c).Set("Form", f).Set("Sub", sf).Set("Lists", lists), nil
}

// fieldsText is a contact's fields as "key: value" lines, sorted.
func fieldsText(c contacts.Contact) string {
	var lines []string
	for k, v := range c.Attributes {
		lines = append(lines, fmt.Sprintf("%s: %v", k, v))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
