package templates

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestErrorsInPlainWords: a template that does not compile is told in the
// words of the person who wrote it (the line and column, the field or
// function they named and the ones there are), never with the template
// engine's Go types or internals.
func TestErrorsInPlainWords(t *testing.T) {
	for _, c := range []struct{ html, want string }{
		{"<p>{{.Contact.Nam}}</p>", "line 1, column 14: unknown field Nam; known: ID, Email, Name, Attributes"},
		{"<p>Één {{.Contact.Nam}}</p>", "line 1, column 18: unknown field Nam; known: ID, Email, Name, Attributes"},
		{"<p>Één\n€ {{.Nope}}</p>", "line 2, column 5: unknown field Nope; known: Contact, CampaignID, CampaignName, Links"},
		{"<p>\n{{.Nope}}</p>", "line 2, column 3: unknown field Nope; known: Contact, CampaignID, CampaignName, Links"},
		{"<p>{{.Links.Unsub}}</p>", "unknown field Unsub; known: Unsubscribe, Update, Privacy, View, UpdateOK, UpdateChange, UpdateRemove"},
		{"<p>{{.Contact.Name.X}}</p>", "line 1, column 14: unknown field X: .Contact.Name has no fields"},
		{"<p>{{foo .Contact.Name}}</p>", "line 1, column 4: unknown function foo; known: and, attr, default, eq"},
		{"<p>{{.Contact.Name</p>", "line 1, column 4: unexpected character < inside {{ }}: is the }} missing?"},
		{"<p>{{if .Contact.Name}}x</p>", "line 1, column 4: unclosed action: an {{if}}, {{range}} or {{with}} has no {{end}}"},
		{"<p>{{end}}</p>", "{{end}} closes nothing"},
		{"<p>{{default}}</p>", "line 1, column 6: default needs 2 values, not 0"},
		{"<p>{{.Contact.Name | default}}</p>", "default needs 2 values, not 1"},
		{"<p>{{printf}}</p>", "printf needs at least 1 value, not 0"},
		{"<p>{{range .Contact.Name}}x{{end}}</p>", "{{range}} can only go through a list or the attributes, and .Contact.Name is neither"},
		{"<p>{{range .Links}}x{{end}}</p>", "and .Links is neither"},
		{"<p>{{.Contact.Name 1}}</p>", "nothing may follow the field Name: it is a field, not a function"},
		{`<p>{{"a" "b"}}</p>`, `nothing may follow "a": it is not a function`},
		{"<p>{{len .Links}}</p>", "len cannot count .Links"},
		{"<p>{{len .Contact.ID}}</p>", "len cannot count a number"},
		{`<p>{{eq .Contact.ID "a"}}</p>`, "eq cannot compare a number with a text"},
		{`<p>{{index .Links "x"}}</p>`, "index cannot take an item from .Links"},
		{"<p>{{index .Contact.Attributes 1}}</p>", "index needs a text to pick an item with, not a number"},
		{"<p>{{slice .Contact.Name 5 1}}</p>", "slice: there is no such position (5 > 1)"},
		{"<p>{{call .Contact.Name}}</p>", "call: .Contact.Name is not a function"},
		{"<p>{{ }}</p>", "line 1, column 4: an empty {{ }}: put a field or a value in it"},
		{"<p>{{if}}x{{end}}</p>", "{{if}} needs a value after it"},
		{"<p>{{.Contact.Name)}}</p>", "a ) has no ( before it"},
		{"<p>{{(.Contact.Name}}</p>", "a ( has no ) after it"},
		{`<p>{{ "abc }}</p>`, "a quoted text has no closing quote"},
		{"<p>{{/* x</p>", "a comment {{/* has no */}}"},
		{"<p>{{.Contact..Name}}</p>", "unexpected . inside {{ }}"},
		{"<p>{{nil}}</p>", "nil cannot stand on its own inside {{ }}"},
		{`<p>{{template "foo"}}</p>`, `there is no block named "foo": make it first with {{define "foo"}}...{{end}}`},
		{"<p>{{$x}}</p>", "the variable $x is used before it is set: set it first with {{$x := ...}}"},
		{`{{if .Contact.Name}}<a href="{{else}}<b>{{end}}x">`, "the branches of {{if}} end in different places of the HTML"},
	} {
		_, err := Compile(context.Background(), "Hello", c.html, "", Style{})
		var te *Error
		if !errors.As(err, &te) {
			t.Fatalf("%q: %v, want a template error", c.html, err)
		}
		msg := te.Message()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%q: %q, want %q", c.html, msg, c.want)
		}
		for _, internal := range []string{"templates.", "can't evaluate", "executing", "not defined", "EOF", "U+",
			"wrong number of args", "iterate", "error calling", "int64", "Jan Jansen", "invoked", "non-function",
			"state", "type", "paren", "operand", "command", "unterminated", "undefined", "contexts"} {
			if strings.Contains(msg, internal) {
				t.Errorf("%q: %q shows the engine's %q", c.html, msg, internal)
			}
		}
	}
}
