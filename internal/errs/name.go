package errs

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NameMax is the most characters a name may have.
const NameMax = 200

// Messages of NameProblem that are not TextProblem's.
const (
	nameTooLong   = "is longer than 200 characters"
	nameLines     = "must be one line"
	nameControl   = "must not contain control characters"
	nameInvisible = "must not contain invisible formatting characters or text direction controls"
)

// NameProblem says why s cannot be a name ("" when it can). A name is what
// one person types and another reads: a contact's name, a member of
// staff's, a list's, a campaign's, a department's, a token's, a sender's.
// It is storable text (TextProblem), one line of at most NameMax
// characters, without control characters, and without the invisible
// format characters that change what a reader sees: the text direction
// controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
// can make "Invoice", U+202E, "fdp.exe" read as "Invoiceexe.pdf", zero-width spaces,
// the word joiner, the byte order mark, the soft hyphen, tag characters
// and the Hangul fillers, which show as nothing. The zero-width joiner and
// non-joiner (U+200D, U+200C) stay: Persian, Indic scripts and emoji
// sequences need them.
func NameProblem(s string) string {
	if p := TextProblem(s); p != "" {
		return p
	}
	if utf8.RuneCountInString(s) > NameMax {
		return nameTooLong
	}
	for _, r := range s {
		if r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029' {
			return nameLines
		}
		if p := hiddenProblem(r); p != "" {
			return p
		}
	}
	return ""
}

// ValueProblem says why s cannot be a free value ("" when it can): a
// contact's attribute, which one person types (or imports) and another
// reads, in the console, an export or a message merged from it. It is
// NameProblem's rule without its length and without the one line: a
// value may hold line breaks and tabs (an address, a note), but no other
// control character and none of the invisible format characters, the text
// direction controls (U+202E ...) among them, that NameProblem refuses.
func ValueProblem(s string) string {
	if p := TextProblem(s); p != "" {
		return p
	}
	for _, r := range s {
		if r == '\t' || r == '\r' || r == '\n' {
			continue
		}
		if p := hiddenProblem(r); p != "" {
			return p
		}
	}
	return ""
}

// Value returns an invalid-field error naming field when s is not a free
// value (see ValueProblem), nil otherwise.
func Value(field, s string) error {
	if p := ValueProblem(s); p != "" {
		return Invalid(field, p)
	}
	return nil
}

// hiddenProblem says why r may not be in a name or a value: a control
// character, or an invisible one (see invisible); "" when it may.
func hiddenProblem(r rune) string {
	switch {
	case unicode.IsControl(r):
		return nameControl
	case invisible(r):
		return nameInvisible
	}
	return ""
}

// invisible reports whether r is a format character other than the
// joiners (Unicode category Cf: the direction controls among them) or a
// letter that shows as nothing (the Hangul fillers).
func invisible(r rune) bool {
	switch r {
	case '\u200c', '\u200d':
		return false
	case '\u115f', '\u1160', '\u3164', '\uffa0':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// Visible returns s fit to echo back to the person who typed it (a
// rejected line in an error list): every character NameProblem refuses as
// unseen (a control character, a line or paragraph separator, a text
// direction control such as U+202E, another invisible format character),
// and every space but the plain one (U+00A0, U+3000), is written as its escape, as strconv.Quote writes it ("\u202e", "\n",
// "\x00"), and a byte that is not UTF-8 as "\xff", so the reader sees
// what is there and a direction control cannot reorder the text around
// it. Anything else is left as typed.
func Visible(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unseen) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unseen(r):
			q := strconv.QuoteRune(r) // '\n', '\x00'
			b.WriteString(q[1 : len(q)-1])
		case unseen(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case unseen(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unseen reports whether r does not show as itself (NameProblem's control
// characters, line breaks and invisible characters), or shows as a plain
// space but is another (a no-break space, an em space).
func unseen(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || invisible(r) || (r != ' ' && unicode.IsSpace(r))
}

// Name returns an invalid-field error naming field when s is not a name
// (see NameProblem), nil otherwise. Whether a name is required is the
// caller's rule; an empty name passes.
func Name(field, s string) error {
	if p := NameProblem(s); p != "" {
		return Invalid(field, p)
	}
	return nil
}
