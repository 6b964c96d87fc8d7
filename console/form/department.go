package form

import (
	"net/http"
	"strings"

	"github.com/postbode/postbode/internal/identity"
)

// DepartmentForm edits the current department's name and sending
// identity: the From domains it sends from and its house style
// (organisation name, logo, colour). The identity's rules are those of
// package identity (Validate), checked by the caller.
type DepartmentForm struct {
	// Name is the department's name (required, at most 200 characters).
	Name string
	// OrgName, LogoURL and PrimaryColor are the house style; empty uses
	// the installation's.
	OrgName, LogoURL, PrimaryColor string
	// Domains are the From domains, one per line.
	Domains string
	// Preview asks to preview the house style without saving.
	Preview bool
}

// NewDepartmentForm reads the department form.
func NewDepartmentForm(r *http.Request) *DepartmentForm {
	return &DepartmentForm{Name: value(r, "name"), OrgName: value(r, "org_name"), LogoURL: value(r, "logo_url"),
		PrimaryColor: value(r, "primary_color"), Domains: strings.TrimSpace(r.FormValue("domains")),
		Preview: r.FormValue("preview") != ""}
}

// Identity is the form's sending identity of department dept.
func (f *DepartmentForm) Identity(dept int64) identity.Identity {
	id := identity.Identity{DepartmentID: dept, OrgName: f.OrgName, LogoURL: f.LogoURL, PrimaryColor: f.PrimaryColor,
		Domains: []string{}}
	for _, d := range strings.Fields(strings.ReplaceAll(f.Domains, ",", " ")) {
		id.Domains = append(id.Domains, d)
	}
	return id
}

// Validate checks the department's name (the identity is checked by
// identity.Validate).
func (f *DepartmentForm) Validate() Errors {
	e := Errors{}
	if f.Name == "" || len(f.Name) > 200 {
		e["name"] = "dept.err.name"
	}
	return e
}
