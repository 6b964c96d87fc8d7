package form

import (
	"net/http"
	"path"
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
		Code: strings.ReplaceAll(value(r, "code"), " ", ""), Next: Next(r)}
	return f
}

// Next is the form's next, where to go after it: a console path, else
// the overview.
func Next(r *http.Request) string {
	if next := value(r, "next"); consolePath(next) {
		return next
	}
	return "/console/"
}

// consolePath reports whether next is a path in the console as a browser
// reads it once redirected there: the redirect cleans dot segments, and a
// browser takes a backslash for a slash ("/\evil.example" is another host)
// and drops tabs and line breaks.
func consolePath(next string) bool {
	if strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return false
	}
	p, _, _ := strings.Cut(next, "?")
	return strings.HasPrefix(path.Clean(p)+"/", "/console/") && !strings.HasPrefix(next, "//")
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
