// Package plural writes counted nouns in the product's languages: "1
// contact", "2 contacts", "1 contact", "2 contacten". Every text that puts
// a count before a noun (console, mails, pages, CLI and API messages)
// goes through it, never through an if of its own.
//
// A text names the forms of a word in braces, singular first, right after
// the count they follow: "Erase %d {contact|contacts}", "%d {dag|dagen}
// over". English and Dutch both take the singular for exactly one and the
// plural for every other count, zero included.
package plural

import (
	"fmt"
	"strconv"
	"strings"
)

// Pick returns the form of forms ("contact|contacts") for n.
func Pick(forms string, n int64) string {
	one, other, ok := strings.Cut(forms, "|")
	if !ok || n != 1 {
		if !ok {
			return forms
		}
		return other
	}
	return one
}

// Count writes n and the form of its noun: Count(1, "day|days") is "1 day".
func Count(n int64, forms string) string {
	return strconv.FormatInt(n, 10) + " " + Pick(forms, n)
}

// Sprintf is fmt.Sprintf where each "{one|other}" in format takes the form
// for the nearest count (%d) before it: Sprintf("%d {row|rows} of %d", 1, 4)
// is "1 row of 4". Braces without "|" are left as they are.
func Sprintf(format string, args ...any) string {
	if !strings.Contains(format, "|") {
		return fmt.Sprintf(format, args...)
	}
	var b strings.Builder
	arg, count := 0, int64(-1)
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '%' && i+1 < len(format) && format[i+1] == '%':
			b.WriteString("%%")
			i++
		case c == '%':
			j := i + 1
			for j < len(format) && !isVerb(format[j]) {
				j++
			}
			if j < len(format) && format[j] == 'd' && arg < len(args) {
				count = toInt(args[arg])
			}
			arg++
			b.WriteString(format[i:min(j+1, len(format))])
			i = j
		case c == '{':
			end := strings.IndexByte(format[i:], '}')
			if end < 0 || !strings.Contains(format[i:i+end], "|") {
				b.WriteByte(c)
				continue
			}
			b.WriteString(strings.ReplaceAll(Pick(format[i+1:i+end], count), "%", "%%"))
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return fmt.Sprintf(b.String(), args...)
}

func isVerb(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// toInt is the count an argument holds (-1 when it is none).
func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int64:
		return n
	case uint:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint64:
		return int64(n)
	case string:
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i
		}
	}
	return -1
}
