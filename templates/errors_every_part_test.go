package templates

import (
	"context"
	"errors"
	"testing"
)

// TestCompileReportsEveryFailingPart: a template wrong in its subject, HTML
// and text reports all three at once, each with its place, in the order
// subject, html, text, whether a part fails to parse or to render the
// sample contact; errors.As still finds the first.
func TestCompileReportsEveryFailingPart(t *testing.T) {
	type want struct {
		part, msg string
	}
	for _, c := range []struct {
		name                string
		subject, html, text string
		want                []want
	}{
		{"three render errors", "Hi {{.Contact.Nam}}", "<p>{{len .Links}}</p>", `Hi {{eq .Contact.ID "a"}}`, []want{
			{"subject", "line 1, column 14: unknown field Nam; known: ID, Email, Name, Attributes"},
			{"html", "line 1, column 6: len cannot count .Links"},
			{"text", "line 1, column 6: eq cannot compare a number with a text"},
		}},
		{"parse and render errors mixed", "Hi {{if .Contact.Name}}", "<p>{{.Contact.Nam}}</p>", "{{end}}", []want{
			{"subject", "line 1, column 4: unclosed action: an {{if}}, {{range}} or {{with}} has no {{end}}"},
			{"html", "line 1, column 14: unknown field Nam; known: ID, Email, Name, Attributes"},
			{"text", "line 1, column 1: {{end}} closes nothing: there is no {{if}}, {{range}} or {{with}} open"},
		}},
		{"empty subject and HTML", " ", "", "Hi {{foo}}", []want{
			{"subject", "required"},
			{"html", "required"},
			{"text", "line 1, column 4: unknown function foo; known: and, attr, default, eq, ge, gt, html, index, js, le, len, lower, lt, ne, not, or, print, printf, println, slice, upper, urlquery"},
		}},
		{"subject and text, HTML fine", "Hi\nthere", "<p>Hi</p>", "{{.Links.Nope}}", []want{
			{"subject", "line 1, column 3: must be a single line"},
			{"text", "line 1, column 9: unknown field Nope; known: Unsubscribe, Update, Privacy, View, UpdateOK, UpdateChange, UpdateRemove"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(context.Background(), c.subject, c.html, c.text, Style{OrgName: "Stichting"})
			got := Errors(err)
			if len(got) != len(c.want) {
				t.Fatalf("%d errors, want %d: %v", len(got), len(c.want), err)
			}
			for i, w := range c.want {
				if got[i].Part != w.part || got[i].Message() != w.msg {
					t.Errorf("error %d: %s %q, want %s %q", i, got[i].Part, got[i].Message(), w.part, w.msg)
				}
			}
			var first *Error
			if !errors.As(err, &first) || first.Part != c.want[0].part {
				t.Errorf("errors.As finds %v, want the %s error", first, c.want[0].part)
			}
		})
	}
	if _, err := Compile(context.Background(), "Hi {{.Contact.Name}}", "<p>Hi</p>", "Hi", Style{}); err != nil || Errors(err) != nil {
		t.Errorf("a good template: %v", err)
	}
}
