package templates

import (
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"
)

// funcs are available in every part. They must have the same names in the
// HTML and text sets, since the text alternative is converted from the HTML.
// The functions that build strings are bounded (boundedFuncs); a render
// rebinds them to its budget.
var funcs = withFuncs(map[string]any{
	"default": func(def string, v any) any {
		if v == nil || v == "" {
			return def
		}
		return v
	},
	"attr": func(c Contact, name string) any {
		if v, ok := c.Attributes[name]; ok && v != nil {
			return v
		}
		return ""
	},
}, boundedFuncs(nil))

// withFuncs adds the functions of more to m and returns m.
func withFuncs(m map[string]any, more map[string]any) map[string]any {
	for k, v := range more {
		m[k] = v
	}
	return m
}

var textFuncs = texttemplate.FuncMap(funcs)

func deref(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func (s Style) withDefaults() Style {
	if s.Primary == "" {
		s.Primary = "#0b5394"
	}
	if s.Background == "" {
		s.Background = "#f4f4f4"
	}
	if s.Text == "" {
		s.Text = "#222222"
	}
	if s.Lang != "nl" {
		s.Lang = "en"
	}
	return s
}

// footerWords are the footer texts per language.
var footerWords = map[string]struct{ why, unsub, update, privacy, view, ok, change, remove string }{
	"en": {"You receive this email because you subscribed to mailings from", "Unsubscribe", "Update your details", "Privacy", "View in your browser",
		"Yes, all correct", "No, I'll change them", "Take me off your list"},
	"nl": {"U ontvangt deze e-mail omdat u zich hebt aangemeld voor mailings van", "Afmelden", "Uw gegevens wijzigen", "Privacy", "Bekijk in uw browser",
		"Ja, alles klopt", "Nee, ik pas ze aan", "Haal mij van uw lijst"},
}

// layoutHTML wraps a body fragment in the house style. The footer's links
// come from .Links; the colours and names from the house func (the Style).
const layoutHTML = `<!DOCTYPE html>
<html lang="{{(house).Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{(house).OrgName}}</title>
</head>
<body style="margin:0;padding:0;background:{{(house).Background}};color:{{(house).Text}};font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:{{(house).Background}}">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff">
<tr><td style="padding:20px 24px;border-top:4px solid {{(house).Primary}}">
{{- if (house).LogoURL}}<img src="{{(house).LogoURL}}" alt="{{(house).OrgName}}" height="48" style="display:block;border:0;height:48px">{{else}}<strong style="font-size:20px;color:{{(house).Primary}}">{{(house).OrgName}}</strong>{{end -}}
</td></tr>
<tr><td style="padding:8px 24px 24px 24px;color:{{(house).Text}}">
{{template "body" .}}
</td></tr>
</table>
{{template "footer" .}}
</td></tr>
</table>
</body>
</html>
`

// footerGuard is put, with !important, in the style attribute of every
// element of the footer: declarations in a style attribute win over every
// rule of a <style> sheet, !important ones too (CSS Cascade 4 §6.1), so
// body CSS cannot hide, shrink, fade, re-font or recolour the footer's own
// elements, nor push them away with spacing. What the guard cannot reach — rules on the footer's
// ancestors, pseudo-elements, elements laid over it — checkFooterCSS
// refuses at Compile.
const footerGuard = `visibility:visible!important;opacity:1!important;font:12px/1.5 Arial,Helvetica,sans-serif!important;` +
	`letter-spacing:normal!important;word-spacing:normal!important;padding:0!important;margin:0!important;border:0!important;` +
	`height:auto!important;min-height:0!important;max-height:none!important;min-width:0!important;background:transparent!important;`

const footerHTML = `{{define "footer"}}<table data-pb-footer role="presentation" width="600" cellpadding="0" cellspacing="0" style="` + footerGuard + `display:table!important;width:100%!important;max-width:600px!important;background:{{(house).Background}}!important">
<tbody style="` + footerGuard + `display:table-row-group!important"><tr style="` + footerGuard + `display:table-row!important">
<td style="` + footerGuard + `display:table-cell!important;padding:16px 24px!important;color:#666666!important;background:{{(house).Background}}!important;text-align:center!important">
<p style="` + footerGuard + `display:block!important;margin:0 0 8px 0!important;color:#666666!important">{{(words).why}} {{(house).OrgName}}.</p>
<p style="` + footerGuard + `display:block!important;margin:0 0 8px 0!important;color:#666666!important"><a href="{{.Links.Unsubscribe}}"
style="` + footerLink + `">{{(words).unsub}}</a> | <a href="{{.Links.Update}}"
style="` + footerLink + `">{{(words).update}}</a> | <a href="{{.Links.Privacy}}"
style="` + footerLink + `">{{(words).privacy}}</a>{{if .Links.View}} | <a href="{{.Links.View}}"
style="` + footerLink + `">{{(words).view}}</a>{{end}}</p>
{{- if (house).Address}}
<p style="` + footerGuard + `display:block!important;color:#666666!important">{{(house).OrgName}}, {{(house).Address}}</p>
{{- end}}
</td></tr></tbody>
</table>{{end}}
{{define "update-buttons"}}<table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0"><tr>
<td style="padding:4px 8px 4px 0"><a href="{{.Links.UpdateOK}}" style="display:inline-block;padding:10px 18px;background:{{(house).Primary}};color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">{{(words).ok}}</a></td>
<td style="padding:4px 8px 4px 0"><a href="{{.Links.UpdateChange}}" style="display:inline-block;padding:9px 17px;border:1px solid {{(house).Primary}};color:{{(house).Primary}};text-decoration:none;border-radius:4px">{{(words).change}}</a></td>
<td style="padding:4px 0"><a href="{{.Links.UpdateRemove}}" style="display:inline-block;padding:9px 17px;border:1px solid #999999;color:#555555;text-decoration:none;border-radius:4px">{{(words).remove}}</a></td>
</tr></table>{{end}}`

// footerLink is the style of the footer's links. Each link's style
// attribute starts a line of its own (a line break between attributes is
// only white space): the footer's lines stay far below the 998 octets a
// message line may hold, so a plain-ASCII HTML part goes as it is (7bit),
// not quoted-printable.
const footerLink = footerGuard + `display:inline!important;color:{{(house).Primary}}!important;text-decoration:underline!important`

// textDefs are the named templates of the text part: {{template
// "update-buttons" .}} (the update mailing's three choices, as links).
func textDefs(s Style) string {
	w := footerWords[s.Lang]
	return "{{define \"update-buttons\"}}\n" + w.ok + ": {{.Links.UpdateOK}}\n" + w.change + ": {{.Links.UpdateChange}}\n" +
		w.remove + ": {{.Links.UpdateRemove}}\n{{end}}"
}

// textFooter is the footer of the plain-text part. The Style is baked in;
// the links are merge fields.
func textFooter(s Style) string {
	w := footerWords[s.Lang]
	esc := func(v string) string { return strings.ReplaceAll(strings.ReplaceAll(v, "{{", "{ {"), "\n", " ") }
	var b strings.Builder
	b.WriteString("\n-- \n")
	b.WriteString(esc(w.why + " " + s.OrgName + "."))
	b.WriteString("\n" + w.unsub + ": {{.Links.Unsubscribe}}\n")
	b.WriteString(w.update + ": {{.Links.Update}}\n")
	b.WriteString(w.privacy + ": {{.Links.Privacy}}\n")
	b.WriteString("{{if .Links.View}}" + w.view + ": {{.Links.View}}\n{{end}}")
	if s.Address != "" {
		b.WriteString(esc(s.OrgName+", "+s.Address) + "\n")
	}
	return b.String()
}

var colourRE = regexp.MustCompile(`^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]+\))$`)

// validate checks the Style (it comes from config): colours must be CSS
// colours and the logo an http(s) URL, or html/template would quietly
// replace them.
func (s Style) validate() error {
	for name, c := range map[string]string{"primary": s.Primary, "background": s.Background, "text": s.Text} {
		if !colourRE.MatchString(c) {
			return &Error{Part: "style", Msg: fmt.Sprintf("%s colour %q: must be #rgb, #rrggbb, a colour name or rgb(...)", name, c)}
		}
	}
	if s.LogoURL != "" && !strings.HasPrefix(s.LogoURL, "https://") && !strings.HasPrefix(s.LogoURL, "http://") {
		return &Error{Part: "style", Msg: fmt.Sprintf("logo URL %q: must be an http(s) URL", s.LogoURL)}
	}
	return nil
}

var bodyTagRE = regexp.MustCompile(`(?i)</body\s*>`)
var fullDocRE = regexp.MustCompile(`(?i)<(html|body)[\s>]`)

// parseHTML builds the HTML set: a body fragment goes into the house-style
// layout; a complete document (<html> or <body>) is used as it is, with the
// footer inserted before </body>.
func parseHTML(body string, s Style) (*htmltemplate.Template, error) {
	return parseHTMLWith(body, layoutHTML, footerHTML, s, nil)
}

// parseHTMLWith is parseHTML with the layout and footer sources given and
// extra functions (the fast path's rewritten sources).
func parseHTMLWith(body, layout, footer string, s Style, extra htmltemplate.FuncMap) (*htmltemplate.Template, error) {
	w := footerWords[s.Lang]
	fm := htmltemplate.FuncMap{}
	for k, v := range funcs {
		fm[k] = v
	}
	for k, v := range extra {
		fm[k] = v
	}
	fm["house"] = func() Style { return s }
	fm["words"] = func() map[string]string {
		return map[string]string{"why": w.why, "unsub": w.unsub, "update": w.update, "privacy": w.privacy, "view": w.view,
			"ok": w.ok, "change": w.change, "remove": w.remove}
	}
	if fullDocRE.MatchString(body) {
		src := body
		if loc := lastIndex(bodyTagRE, body); loc >= 0 {
			src = body[:loc] + `{{template "footer" .}}` + body[loc:]
		} else {
			src = body + `{{template "footer" .}}`
		}
		t, err := htmltemplate.New("body").Funcs(fm).Parse(src)
		if err != nil {
			return nil, err
		}
		return t.Parse(footer)
	}
	t, err := htmltemplate.New("layout").Funcs(fm).Parse(layout)
	if err != nil {
		return nil, err
	}
	if _, err := t.Parse(footer); err != nil {
		return nil, err
	}
	if _, err := t.New("body").Parse(body); err != nil {
		return nil, err
	}
	return t, nil
}

func lastIndex(re *regexp.Regexp, s string) int {
	all := re.FindAllStringIndex(s, -1)
	if len(all) == 0 {
		return -1
	}
	return all[len(all)-1][0]
}
