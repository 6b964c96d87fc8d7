package form

import (
	"net/http"
	"strings"
)

// ContactForm edits a contact's name and fields (one "key: value" per line).
type ContactForm struct {
	Name   string
	Fields string
}

// NewContactForm reads the edit form.
func NewContactForm(r *http.Request) *ContactForm {
	return &ContactForm{Name: value(r, "name"), Fields: strings.TrimSpace(r.FormValue("fields"))}
}

// Attributes parses the fields; a line without a colon is an error.
func (f *ContactForm) Attributes() (map[string]any, Errors) {
	attrs := map[string]any{}
	for _, line := range strings.Split(f.Fields, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, Errors{"fields": "contact.err.fields"}
		}
		attrs[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return attrs, nil
}

// SubscribeForm subscribes a contact to a list with the consent staff record.
type SubscribeForm struct {
	List      int64
	Purpose   string
	Evidence  string
	Confirmed bool
}

// NewSubscribeForm reads the subscribe form.
func NewSubscribeForm(r *http.Request) *SubscribeForm {
	f := &SubscribeForm{Purpose: value(r, "purpose"), Evidence: value(r, "evidence"), Confirmed: checked(r, "confirmed")}
	if l := ids(r, "list"); len(l) == 1 {
		f.List = l[0]
	}
	return f
}

// Validate requires the list and the evidence of the consent.
func (f *SubscribeForm) Validate() Errors {
	e := Errors{}
	if f.List == 0 {
		e["list"] = "contact.err.list"
	}
	if f.Evidence == "" {
		e["evidence"] = "contact.err.evidence"
	}
	return e
}

// ContactCreateForm is the New contact form: the address, name and fields,
// and the lists to subscribe to with the consent staff record.
type ContactCreateForm struct {
	Email string
	ContactForm
	Lists     []int64
	Purpose   string
	Evidence  string
	Confirmed bool
}

// NewContactCreateForm reads the New contact form.
func NewContactCreateForm(r *http.Request) *ContactCreateForm {
	f := &ContactCreateForm{Email: value(r, "email"), ContactForm: *NewContactForm(r), Lists: ids(r, "lists"),
		Purpose: value(r, "purpose"), Evidence: value(r, "evidence"), Confirmed: checked(r, "confirmed")}
	return f
}

// Validate requires the address, well-formed fields, and with lists the
// evidence of the consent (as the subscribe form does).
func (f *ContactCreateForm) Validate() (map[string]any, Errors) {
	e := Errors{}
	if f.Email == "" {
		e["email"] = "contact.err.email"
	}
	attrs, fe := f.Attributes()
	for k, v := range fe {
		e[k] = v
	}
	if len(f.Lists) > 0 && f.Evidence == "" {
		e["evidence"] = "contact.err.evidence"
	}
	return attrs, e
}

// Has reports whether list id is ticked.
func (f *ContactCreateForm) Has(id int64) bool {
	for _, l := range f.Lists {
		if l == id {
			return true
		}
	}
	return false
}
