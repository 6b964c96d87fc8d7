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
		for _, internal := range []string{"templates.", "can't evaluate", "executing", "not defined", "EOF", "U+"} {
			if strings.Contains(msg, internal) {
				t.Errorf("%q: %q shows the engine's %q", c.html, msg, internal)
			}
		}
	}
}
