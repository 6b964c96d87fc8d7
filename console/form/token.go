package form

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/postbode/postbode/internal/errs"
)

// TokenLifetimes are the expiry choices of a new personal API token, in
// days ("" never expires).
var TokenLifetimes = []string{"7", "30", "90", "365", ""}

// TokenForm makes a personal API token: a name and how long it works.
type TokenForm struct {
	Name    string
	Expires string
}

// NewTokenForm reads the form.
func NewTokenForm(r *http.Request) *TokenForm {
	return &TokenForm{Name: value(r, "name"), Expires: r.PostFormValue("expires")}
}

// Validate names an empty or long name and an expiry not offered; the
// token store judges the name as every name is judged.
func (f *TokenForm) Validate() Errors {
	e := Errors{}
	if f.Name == "" {
		e["token_name"] = "token.err.name"
	} else if utf8.RuneCountInString(f.Name) > errs.NameMax {
		e["token_name"] = "token.err.name.long"
	}
	if !slices.Contains(TokenLifetimes, f.Expires) {
		e["expires"] = "token.err.expires"
	}
	return e
}

// ExpiresAt is when the token stops working, counted from now (nil: never).
func (f *TokenForm) ExpiresAt(now time.Time) *time.Time {
	days, err := strconv.Atoi(f.Expires)
	if err != nil {
		return nil
	}
	t := now.AddDate(0, 0, days)
	return &t
}
