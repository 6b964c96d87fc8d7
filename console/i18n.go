package console

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/plural"
)

// messages holds every text of the console per language; keys are English
// shorthand. A person's language comes from their account.
var messages = map[string]map[string]string{
	"en": en,
	"nl": nl,
}

// tr returns the text for key in lang, falling back to English, then the key.
func tr(lang, key string) string {
	if m, ok := messages[lang][key]; ok {
		return m
	}
	if m, ok := en[key]; ok {
		return m
	}
	return key
}

// numbers are the figures in a domain message ("duplicate of row 4").
var numbers = regexp.MustCompile(`[0-9]+`)

// trMsg translates a message a domain package wrote in English (a field
// error, an import row's reason, a refusal): its key is "msg:" and the
// text with each number written %d; the numbers are put back in the same
// order. A message with a name in it ("holds the permission users:manage")
// has a key with %s (or %q, a quoted name) where the name goes; the name
// is put back in the same place of the translation. A message without a
// translation is shown as written.
//
// A template error's place ("line 3, column 7: ") and a refused import
// file's row ("row 1: ") are translated apart from their reason, so each
// reason has one key.
func trMsg(lang, msg string) string {
	if m := place.FindStringSubmatch(msg); m != nil {
		return trMsg(lang, m[1]) + ": " + trMsg(lang, m[2])
	}
	if m, ok := messages[lang]["msg:"+numbers.ReplaceAllString(msg, "%d")]; ok {
		return fill(m, numbers.FindAllString(msg, -1))
	}
	for _, p := range msgPatterns {
		if vals := p.re.FindStringSubmatch(msg); vals != nil {
			if m, ok := messages[lang][p.key]; ok {
				return fill(m, vals[1:])
			}
		}
	}
	return msg
}

// place is the line and column a template error starts with
// (templates.Error.Message), or the row a refused import file names.
var place = regexp.MustCompile(`^((?:line|row) [0-9]+(?:, column [0-9]+)?): (?s)(.+)$`)

// verbs are the places of a message key that take a value: %d a number,
// %s a name, %q a quoted name.
var verbs = regexp.MustCompile(`%[dsq]`)

// fill puts vals in the verbs of the translation m, in order; a counted
// noun ("{contact|contacten}") takes the form of the number before it.
func fill(m string, vals []string) string {
	i := 0
	var args []any
	format := percents.ReplaceAllStringFunc(m, func(v string) string {
		if v == "%" || i == len(vals) {
			return "%" + v // shown as written
		}
		val := vals[i]
		i++
		if n, err := strconv.ParseInt(val, 10, 64); err == nil && v == "%d" {
			args = append(args, n)
			return "%d"
		}
		args = append(args, val)
		return "%s"
	})
	return plural.Sprintf(format, args...)
}

// percents are the verbs of a translation and any other percent sign.
var percents = regexp.MustCompile(`%[dsq]?`)

// countedNoun is a noun's forms in a quoted message key ("\{contact\|contacts\}").
var countedNoun = regexp.MustCompile(`\\\{([^{}|\\]*)\\\|([^{}|\\]*)\\\}`)

// msgPattern matches the messages of a key with %s or %q in it.
type msgPattern struct {
	key string
	re  *regexp.Regexp
}

// msgPatterns are the keys of the messages with names in them, built once
// from the English catalogue (every language has the same keys).
var msgPatterns = func() []msgPattern {
	var out []msgPattern
	for k := range en {
		text, ok := strings.CutPrefix(k, "msg:")
		if !ok || !strings.Contains(text, "%s") && !strings.Contains(text, "%q") && !strings.Contains(text, "|") {
			continue
		}
		re := verbs.ReplaceAllStringFunc(regexp.QuoteMeta(text), func(v string) string {
			return map[string]string{"%d": `([0-9]+)`, "%s": `(.+?)`, "%q": `(".*?")`}[v]
		})
		// A counted noun matches either form: "{contact|contacts}".
		re = countedNoun.ReplaceAllString(re, `(?:$1|$2)`)
		out = append(out, msgPattern{key: k, re: regexp.MustCompile(`^` + re + `$`)})
	}
	// Longer keys first: a more specific message wins over a shorter one
	// that also matches.
	slices.SortFunc(out, func(a, b msgPattern) int { return cmp.Or(len(b.key)-len(a.key), strings.Compare(a.key, b.key)) })
	return out
}()
