package campaigns_test

import (
	"strings"
	"testing"
)

// TestAPITemplateErrorsInPlainWords: a campaign whose template does not
// work is refused with a 422 naming the part (subject, html, text), the
// line and column and the reason in the marketer's words, never the
// template engine's Go types or messages.
func TestAPITemplateErrorsInPlainWords(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.list("news")
	for _, c := range []struct{ part, src, field, want string }{
		{"html", "<p>\n{{range .Links}}x{{end}}</p>", "html", "line 2, column 9: {{range}} can only go through a list or the attributes, and .Links is neither"},
		{"html", "<p>{{default}}</p>", "html", "line 1, column 6: default needs 2 values, not 0"},
		{"subject", `Hi {{len .Links}}`, "subject", "line 1, column 6: len cannot count .Links"},
		{"text", `Hi {{eq .Contact.ID "a"}}`, "text", "line 1, column 6: eq cannot compare a number with a text"},
	} {
		body := map[string]any{"name": "March", "subject": "Hello", "html": "<p>Hi</p>",
			"from_email": "news@news.example.com", "lists": []string{"news"}}
		body[c.part] = c.src
		code, out := e.do("marketer", "POST", "/api/v1/campaigns", body)
		_, field, msg := errField(out)
		if code != 422 || field != c.field || msg != c.want {
			t.Errorf("%s %q: %d field %q %q, want 422 field %q %q", c.part, c.src, code, field, msg, c.field, c.want)
		}
		for _, internal := range []string{"templates.", "executing", "error calling", "iterate", "int64", "wrong number"} {
			if strings.Contains(msg, internal) {
				t.Errorf("%q shows the engine's %q", msg, internal)
			}
		}
	}
}

// TestAPITemplateErrorsInEveryPart: a campaign wrong in its subject, HTML
// and text is refused with every failing part in the 422's errors, in the
// order subject, html, text, not only the first.
func TestAPITemplateErrorsInEveryPart(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.list("news")
	code, out := e.do("marketer", "POST", "/api/v1/campaigns", map[string]any{"name": "March",
		"subject": "Hi {{.Contact.Nam}}", "html": "<p>{{len .Links}}</p>", "text": `Hi {{eq .Contact.ID "a"}}`,
		"from_email": "news@news.example.com", "lists": []string{"news"}})
	if code != 422 {
		t.Fatalf("%d %v, want 422", code, out)
	}
	e1, _ := out["error"].(map[string]any)
	list, _ := e1["errors"].([]any)
	want := [][2]string{
		{"subject", "line 1, column 14: unknown field Nam; known: ID, Email, Name, Attributes"},
		{"html", "line 1, column 6: len cannot count .Links"},
		{"text", "line 1, column 6: eq cannot compare a number with a text"},
	}
	if len(list) != len(want) {
		t.Fatalf("errors %v, want %d", e1, len(want))
	}
	for i, w := range want {
		f, _ := list[i].(map[string]any)
		if f["field"] != w[0] || f["message"] != w[1] {
			t.Errorf("error %d: %v, want %s %q", i, f, w[0], w[1])
		}
	}
}
