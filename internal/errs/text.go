package errs

import (
	"strings"
	"unicode/utf8"
)

// TextProblem says why s cannot be stored as text ("" when it can): Postgres
// refuses a NUL character and bytes that are not UTF-8 (SQLSTATE 22P05 and
// 22021), so every text that comes from outside is checked with it first.
func TextProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain a NUL character"
	}
	return ""
}

// Text returns an invalid-field error naming field when s cannot be stored as
// text (see TextProblem), nil otherwise.
func Text(field, s string) error {
	if p := TextProblem(s); p != "" {
		return Invalid(field, p)
	}
	return nil
}
