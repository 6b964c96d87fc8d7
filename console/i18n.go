package console

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
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
func trMsg(lang, msg string) string {
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

// verbs are the places of a message key that take a value: %d a number,
// %s a name, %q a quoted name.
var verbs = regexp.MustCompile(`%[dsq]`)

// fill puts vals in the verbs of the translation m, in order.
func fill(m string, vals []string) string {
	i := 0
	return verbs.ReplaceAllStringFunc(m, func(v string) string {
		if i == len(vals) {
			return v
		}
		i++
		return vals[i-1]
	})
}

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
		if !ok || !strings.Contains(text, "%s") && !strings.Contains(text, "%q") {
			continue
		}
		re := verbs.ReplaceAllStringFunc(regexp.QuoteMeta(text), func(v string) string {
			return map[string]string{"%d": `([0-9]+)`, "%s": `(.+?)`, "%q": `(".*?")`}[v]
		})
		out = append(out, msgPattern{key: k, re: regexp.MustCompile(`^` + re + `$`)})
	}
	// Longer keys first: a more specific message wins over a shorter one
	// that also matches.
	slices.SortFunc(out, func(a, b msgPattern) int { return cmp.Or(len(b.key)-len(a.key), strings.Compare(a.key, b.key)) })
	return out
}()
