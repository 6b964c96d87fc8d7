package form

import (
	"net/http"
	"strings"
)

// ChangePasswordForm is the signed-in person's form to change their own
// password: the current one and the new one twice.
type ChangePasswordForm struct {
	Current  string
	Password string
	Confirm  string
}

// NewChangePasswordForm reads the form (passwords are taken as typed).
func NewChangePasswordForm(r *http.Request) *ChangePasswordForm {
	return &ChangePasswordForm{Current: r.PostFormValue("current_password"), Password: r.PostFormValue("password"),
		Confirm: r.PostFormValue("confirm")}
}

// Validate names the empty fields and a mismatch; the staff service checks
// the current password and judges the new one.
func (f *ChangePasswordForm) Validate() Errors {
	e := Errors{}
	if f.Current == "" {
		e["current_password"] = "account.err.current"
	}
	if f.Password == "" {
		e["password"] = "login.err.password"
	} else if f.Password != f.Confirm {
		e["confirm"] = "password.err.confirm"
	}
	return e
}

// TOTPCodeForm confirms a new second factor with the person's current
// password and the app's first code.
type TOTPCodeForm struct {
	Current string
	Code    string
}

// NewTOTPCodeForm reads the form (the code's spaces removed, as apps show
// "123 456"; the password as typed).
func NewTOTPCodeForm(r *http.Request) *TOTPCodeForm {
	return &TOTPCodeForm{Current: r.PostFormValue("current_password"),
		Code: strings.ReplaceAll(value(r, "code"), " ", "")}
}

// Validate names an empty password and an empty code.
func (f *TOTPCodeForm) Validate() Errors {
	e := Errors{}
	if f.Current == "" {
		e["current_password"] = "account.err.current"
	}
	if f.Code == "" {
		e["code"] = "login.err.code"
	}
	return e
}

// TOTPPasswordForm starts or removes the person's own second factor: their
// current password.
type TOTPPasswordForm struct{ Current string }

// NewTOTPPasswordForm reads the form.
func NewTOTPPasswordForm(r *http.Request) *TOTPPasswordForm {
	return &TOTPPasswordForm{Current: r.PostFormValue("current_password")}
}

// Validate names an empty password.
func (f *TOTPPasswordForm) Validate() Errors {
	if f.Current == "" {
		return Errors{"totp_current_password": "account.err.current"}
	}
	return Errors{}
}
