package form

import "net/http"

// Grounds are the grounds for erasure a person picks (GDPR Art. 17(1)).
var Grounds = []string{"request", "no-longer-needed", "consent-withdrawn", "objection", "unlawful", "legal-obligation"}

// ForgetForm confirms the erasure of one contact.
type ForgetForm struct {
	// Ground is one of Grounds; required.
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
	for _, g := range Grounds {
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
