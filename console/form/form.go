// Package form parses the console's forms: one NewXForm(r) per form, each
// with a Validate that names the fields in error (as text keys the console
// translates). Parsing never touches the database.
package form

import (
	"net/http"
	"strconv"
	"strings"
)

// Errors maps a field name to the text key of its error.
type Errors map[string]string

// value is a trimmed form value.
func value(r *http.Request, name string) string { return strings.TrimSpace(r.FormValue(name)) }

func trim(s string) string { return strings.TrimSpace(s) }

// ids parses the repeated values of name as ids, skipping what is not one.
func ids(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.Form[name] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// checked is true for a ticked checkbox.
func checked(r *http.Request, name string) bool { return r.FormValue(name) != "" }
