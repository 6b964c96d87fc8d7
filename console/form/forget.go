package form

import (
	"net/http"

	"github.com/postbode/postbode/privacy"
)

// ForgetForm confirms the erasure of one contact.
type ForgetForm struct {
	// Ground is one of privacy.Grounds; required.
	Ground string
	// Confirm must be ticked.
	Confirm bool
}

// NewForgetForm reads the forget form.
func NewForgetForm(r *http.Request) *ForgetForm {
	return &ForgetForm{Ground: value(r, "ground"), Confirm: checked(r, "confirm")}
}

// Validate requires a known ground and the tick.
func (f *ForgetForm) Validate() Errors {
	e := Errors{}
	ok := false
	for _, g := range privacy.Grounds {
		ok = ok || g == f.Ground
	}
	if !ok {
		e["ground"] = "forget.err.ground"
	}
	if !f.Confirm {
		e["confirm"] = "forget.err.confirm"
	}
	return e
}
