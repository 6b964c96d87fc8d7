package console

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/postbode/postbode/templates"
)

// brokenTemplates are HTML bodies with the mistakes people make, one of
// each kind of message the template check gives.
var brokenTemplates = []string{
	"<p>{{.Contact.Nam}}</p>",
	"<p>{{.Contact.Name.X}}</p>",
	"<p>{{foo .Contact.Name}}</p>",
	"<p>{{.Contact.Name</p>",
	"<p>{{if .Contact.Name}}x</p>",
	"<p>{{end}}</p>",
	"<p>{{default}}</p>",
	"<p>{{printf}}</p>",
	"<p>{{.Contact.Name | default}}</p>",
	"<p>{{range .Contact.Name}}x{{end}}</p>",
	"<p>{{range .Links}}x{{end}}</p>",
	"<p>{{.Contact.Name 1}}</p>",
	`<p>{{"a" "b"}}</p>`,
	"<p>{{len .Links}}</p>",
	`<p>{{eq .Contact.ID "a"}}</p>`,
	`<p>{{index .Links "x"}}</p>`,
	"<p>{{index .Contact.Attributes 1}}</p>",
	"<p>{{slice .Contact.Name 5 1}}</p>",
	"<p>{{call .Contact.Name}}</p>",
	"<p>{{ }}</p>",
	"<p>{{if}}x{{end}}</p>",
	"<p>{{.Contact.Name)}}</p>",
	"<p>{{(.Contact.Name}}</p>",
	`<p>{{ "abc }}</p>`,
	"<p>{{/* x</p>",
	"<p>{{.Contact..Name}}</p>",
	"<p>{{nil}}</p>",
	`<p>{{template "foo"}}</p>`,
	"<p>{{$x}}</p>",
	`{{if .Contact.Name}}<a href="{{else}}<b>{{end}}x">`,
	"<p title=\"x>y",
}

// TestTemplateErrorsInDutch: every kind of template mistake is told in
// Dutch on a Dutch screen, the place (regel, kolom) and the reason, with
// no English left and none of the template engine's Go words.
func TestTemplateErrorsInDutch(t *testing.T) {
	for _, html := range brokenTemplates {
		_, err := templates.Compile(context.Background(), "Hello", html, "", templates.Style{})
		var te *templates.Error
		if !errors.As(err, &te) {
			t.Fatalf("%q: %v, want a template error", html, err)
		}
		en := te.Message()
		nl := trMsg("nl", en)
		_, enReason, _ := strings.Cut(en, ": ")
		if !strings.HasPrefix(nl, "regel 1") || strings.Contains(nl, enReason) {
			t.Errorf("%q: Dutch %q, English %q", html, nl, en)
		}
		for _, word := range []string{" needs ", "cannot", "unknown", "unclosed", "unexpected", "nothing", "has no", "there is", "the variable", "branches", "closes", "ends inside", "templates.", "int64", "iterate", "error calling"} {
			if strings.Contains(nl, word) {
				t.Errorf("%q: Dutch %q has %q", html, nl, word)
			}
		}
		if got := trMsg("en", en); got != en {
			t.Errorf("%q: English %q became %q", html, en, got)
		}
	}
}
