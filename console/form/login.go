package form

import (
	"net/http"
	"strings"
)

// LoginForm is the login form: address, password and the TOTP code.
type LoginForm struct {
	Email    string
	Password string
	Code     string
	// Next is where to go after login (a console path only).
	Next string
}

// NewLoginForm reads the login form.
func NewLoginForm(r *http.Request) *LoginForm {
	f := &LoginForm{Email: value(r, "email"), Password: r.FormValue("password"),
		Code: strings.ReplaceAll(value(r, "code"), " ", ""), Next: value(r, "next")}
	if !strings.HasPrefix(f.Next, "/console/") || strings.HasPrefix(f.Next, "//") {
		f.Next = "/console/"
	}
	return f
}

// Validate names the empty fields. The code is optional: the staff
// service asks for it when the person has a second factor.
func (f *LoginForm) Validate() Errors {
	e := Errors{}
	if f.Email == "" {
		e["email"] = "login.err.email"
	}
	if f.Password == "" {
		e["password"] = "login.err.password"
	}
	return e
}
