package templates

import (
	"context"
	"testing"
)

// FuzzTemplates compiles arbitrary template sources: Compile and Render
// never panic, and whenever the fast path is taken it renders exactly what
// html/template renders.
func FuzzTemplates(f *testing.F) {
	for _, s := range []string{body, `<p>{{.Contact.Name}}</p>`, `<a href="{{.Links.View}}?x={{.Contact.Email}}">v</a>`,
		`{{if .Contact.Attributes.city}}<b>{{.Contact.Attributes.city}}</b>{{else}}-{{end}}`, `<p title='{{.CampaignName}}'>x</p>`,
		`{{template "update-buttons" .}}`, `<html><body>{{.Contact.ID}}</body></html>`, `<img src="https://e.org/{{.Contact.ID}}.png">`} {
		f.Add(s, "Hi {{.Contact.Name}}", "", `<b>"x" & 'y'</b>`, "javascript:x")
		f.Add(s, "S", "Dag {{.Contact.Name}}{{if .Links.View}} {{.Links.View}}{{end}}\n", "0", "")
	}
	f.Fuzz(func(t *testing.T, html, subject, text, name, city string) {
		tpl, err := Compile(context.Background(), subject, html, text, style)
		if err != nil {
			return
		}
		d := Sample()
		d.Contact.Name = name
		d.Contact.Attributes["city"] = city
		d.Links.View = city
		bg := newBudget(context.Background(), RenderTime)
		slow, err := renderSlowStrings(tpl, &bg, d, RenderOptions{})
		if err != nil {
			return
		}
		if tpl.fast == nil {
			return
		}
		fast, ok, _ := renderFastStrings(tpl, &bg, &d, RenderOptions{})
		if !ok {
			return
		}
		if fast != slow {
			diff(t, "subject", fast.Subject, slow.Subject)
			diff(t, "html", fast.HTML, slow.HTML)
			diff(t, "text", fast.Text, slow.Text)
		}
	})
}
