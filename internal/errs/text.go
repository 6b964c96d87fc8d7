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

// Printable returns s fit to show in a message or store as text: a NUL is
// shown as \0 and bytes that are not UTF-8 as U+FFFD. It names a bad key in
// an error without carrying the bad bytes along.
func Printable(s string) string {
	if TextProblem(s) == "" {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", `\0`), "\uFFFD")
}

// Clip returns s fit to store as text (Printable) and at most n bytes long,
// cut before a character rather than inside one. A value from outside that
// is kept whatever it holds (a User-Agent header, a link clicked) goes
// through it: a byte that is not UTF-8, or a character cut in two, would
// make Postgres refuse the whole statement it rides in.
func Clip(s string, n int) string {
	s = Printable(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
