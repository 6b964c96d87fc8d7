package campaigns_test

import (
	"strings"
	"testing"
)

// TestCampaignLanguageWritesTheFooter: a campaign written in Dutch has its
// footer and update buttons in Dutch, in both parts, whatever the
// installation's default; one without a language keeps the default
// (English here); a language that is neither is refused naming the field.
func TestCampaignLanguageWritesTheFooter(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	l := e.list("news")
	ids := e.contacts("api", 1, "confirmed", l)
	preview := func(lang any) (html, text string) {
		t.Helper()
		body := map[string]any{"name": "Maart", "subject": "Hallo {{.Contact.Name}}",
			"html":      `<p>Beste {{.Contact.Name}},</p>{{template "update-buttons" .}}`,
			"from_name": "Nieuws", "from_email": "news@news.example.com", "lists": []string{"news"}}
		if lang != nil {
			body["lang"] = lang
		}
		code, out := e.do("marketer", "POST", "/api/v1/campaigns", body)
		if code != 201 || out["lang"] != body["lang"] && lang != nil {
			t.Fatalf("create (%v): %d %v", lang, code, out)
		}
		code, out = e.do("marketer", "GET", "/api/v1/campaigns/"+itoa(int64(out["id"].(float64)))+"/preview?contact_id="+itoa(ids[0]), nil)
		if code != 200 {
			t.Fatalf("preview: %d %v", code, out)
		}
		return out["html"].(string), out["text"].(string)
	}
	html, text := preview("nl")
	for _, part := range []string{html, text} {
		for _, want := range []string{"Afmelden", "Uw gegevens wijzigen", "Ja, alles klopt"} {
			if !strings.Contains(part, want) {
				t.Errorf("the Dutch campaign lacks %q:\n%s", want, part)
			}
		}
		for _, english := range []string{"Unsubscribe", "Update your details", "Yes, all correct"} {
			if strings.Contains(part, english) {
				t.Errorf("the Dutch campaign holds the English %q", english)
			}
		}
	}
	if html, _ := preview(nil); !strings.Contains(html, "Unsubscribe") || strings.Contains(html, "Afmelden") {
		t.Errorf("a campaign without a language is not in the default (English)")
	}
	code, out := e.do("marketer", "POST", "/api/v1/campaigns", map[string]any{"name": "x", "subject": "s", "html": "<p>x</p>",
		"from_email": "news@news.example.com", "lists": []string{"news"}, "lang": "de"})
	if _, field, _ := errField(out); code != 422 || field != "lang" {
		t.Errorf("lang de: %d %v, want 422 on lang", code, out)
	}
}
