package form

import "net/http"

// ListForm creates a list (slug, name, purpose, opt-in mode, description)
// or edits one (name, description). The lengths and the slug's shape are
// checked by optin.ListInput, the one rule the API follows too.
type ListForm struct {
	// Slug is required on create: the list's address in /s/SLUG.
	Slug string
	// Name is required.
	Name string
	// Purpose is required on create: what the list is for (told on the form).
	Purpose string
	// OptIn is required on create: "single" or "double".
	OptIn string
	// Description is optional.
	Description string
}

// NewListForm reads the list form.
func NewListForm(r *http.Request) *ListForm {
	return &ListForm{Slug: value(r, "slug"), Name: value(r, "name"), Purpose: value(r, "purpose"),
		OptIn: value(r, "optin"), Description: value(r, "description")}
}

// Validate checks that the required fields are there: all of them when
// create, else the name.
func (f *ListForm) Validate(create bool) Errors {
	e := Errors{}
	if f.Name == "" {
		e["name"] = "list.err.name"
	}
	if !create {
		return e
	}
	if f.Slug == "" {
		e["slug"] = "list.err.slug"
	}
	if f.Purpose == "" {
		e["purpose"] = "list.err.purpose"
	}
	if f.OptIn != "single" && f.OptIn != "double" {
		e["optin"] = "list.err.optin"
	}
	return e
}
