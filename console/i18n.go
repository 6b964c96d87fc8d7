package console

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
