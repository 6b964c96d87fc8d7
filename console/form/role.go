package form

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
)

// RoleForm creates or edits a custom role: a name and the permissions it
// grants (one checkbox per permission of the table in access).
type RoleForm struct {
	// Name is required: 1-63 lower-case letters, digits and dashes, the first a letter or digit.
	Name string
	// Description is optional, at most 500 characters.
	Description string
	// Permissions are the ticked permissions (at least one).
	Permissions []access.Permission
}

// NewRoleForm reads the role form.
func NewRoleForm(r *http.Request) *RoleForm {
	f := &RoleForm{Name: value(r, "name"), Description: value(r, "description")}
	for _, v := range r.Form["permissions"] {
		f.Permissions = append(f.Permissions, access.Permission(v))
	}
	return f
}

// Has reports whether the form grants p (a ticked checkbox).
func (f *RoleForm) Has(p access.Permission) bool {
	for _, q := range f.Permissions {
		if q == p {
			return true
		}
	}
	return false
}

// Validate checks the name, the description and the permissions.
func (f *RoleForm) Validate() Errors {
	e := Errors{}
	if !errs.IsSlug(f.Name) {
		e["name"] = "role.err.name"
	}
	if len(f.Description) > 500 {
		e["description"] = "role.err.description"
	}
	if len(f.Permissions) == 0 {
		e["permissions"] = "role.err.permissions"
	}
	for _, p := range f.Permissions {
		if !access.Valid(p) {
			e["permissions"] = "role.err.unknown"
		}
	}
	return e
}

// PersonRoleForm gives a person of the department another role.
type PersonRoleForm struct {
	Role string
}

// NewPersonRoleForm reads the role select of a person.
func NewPersonRoleForm(r *http.Request) *PersonRoleForm {
	return &PersonRoleForm{Role: value(r, "role")}
}

// Validate requires a role.
func (f *PersonRoleForm) Validate() Errors {
	if f.Role == "" {
		return Errors{"role": "role.err.choose"}
	}
	return Errors{}
}
