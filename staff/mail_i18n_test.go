package staff

import (
	"strings"
	"testing"
)

// Every text of the mails to staff exists in every language, with the
// same placeholders.
func TestMailTextsInEveryLanguage(t *testing.T) {
	for _, lang := range Languages {
		if len(mailTexts[lang]) != len(mailTexts["en"]) {
			t.Errorf("%s has %d mail texts, en %d", lang, len(mailTexts[lang]), len(mailTexts["en"]))
		}
		for k, en := range mailTexts["en"] {
			v, ok := mailTexts[lang][k]
			if !ok || v == "" {
				t.Errorf("%s: no text for %q", lang, k)
				continue
			}
			if strings.Count(v, "%") != strings.Count(en, "%") {
				t.Errorf("%s %q: placeholders differ from en", lang, k)
			}
		}
	}
}
