package form

import (
	"net/http"
	"strings"
)

// TestSendForm lists the addresses a test goes to (one per line or comma separated).
type TestSendForm struct {
	Addresses string
}

// NewTestSendForm reads the test send form.
func NewTestSendForm(r *http.Request) *TestSendForm {
	return &TestSendForm{Addresses: value(r, "addresses")}
}

// List splits the addresses.
func (f *TestSendForm) List() []string {
	return strings.FieldsFunc(f.Addresses, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == ';' })
}
