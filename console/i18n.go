package console

import (
	"regexp"
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
// error, an import row's reason): its key is "msg:" and the text with each
// number written %d; the numbers are put back in the same order. A message
// without a translation is shown as written.
func trMsg(lang, msg string) string {
	m, ok := messages[lang]["msg:"+numbers.ReplaceAllString(msg, "%d")]
	if !ok {
		return msg
	}
	var b strings.Builder
	for _, n := range numbers.FindAllString(msg, -1) {
		before, after, _ := strings.Cut(m, "%d")
		b.WriteString(before + n)
		m = after
	}
	b.WriteString(m)
	return b.String()
}
