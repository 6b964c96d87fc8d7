package form

import "net/http"

// PasswordForm is the form behind an invitation or reset link: the link's
// token, a new password twice, and whether to set up an authenticator app.
type PasswordForm struct {
	Token    string
	Password string
	Confirm  string
	TOTP     bool
}

// NewPasswordForm reads the form (the token also from the link's query).
func NewPasswordForm(r *http.Request) *PasswordForm {
	return &PasswordForm{Token: value(r, "token"), Password: r.PostFormValue("password"),
		Confirm: r.PostFormValue("confirm"), TOTP: checked(r, "totp")}
}

// Validate names the missing token, an empty password and a mismatch;
// the staff service judges the password itself.
func (f *PasswordForm) Validate() Errors {
	e := Errors{}
	if f.Token == "" {
		e["password"] = "password.err.token"
	}
	if f.Password == "" {
		e["password"] = "login.err.password"
	} else if f.Password != f.Confirm {
		e["confirm"] = "password.err.confirm"
	}
	return e
}

// InviteForm is the administrator's form to invite a person into the
// current department.
type InviteForm struct {
	Email string
	Name  string
	Role  string
}

// NewInviteForm reads the invitation form.
func NewInviteForm(r *http.Request) *InviteForm {
	return &InviteForm{Email: value(r, "email"), Name: value(r, "name"), Role: value(r, "role")}
}

// Validate names the empty fields (the staff service checks the rest).
func (f *InviteForm) Validate() Errors {
	e := Errors{}
	if f.Email == "" {
		e["email"] = "login.err.email"
	}
	if f.Role == "" {
		e["role"] = "invite.err.role"
	}
	return e
}

// ResetRequestForm asks for a password reset link.
type ResetRequestForm struct{ Email string }

// NewResetRequestForm reads the form.
func NewResetRequestForm(r *http.Request) *ResetRequestForm {
	return &ResetRequestForm{Email: value(r, "email")}
}
