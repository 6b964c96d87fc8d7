package pages

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"sync"

	"github.com/postbode/postbode/internal/plural"
)

// page is what every template gets.
type page struct {
	Lang  string
	Title string
	Org   string
	Logo  string
	// Color is the house colour (#rrggbb), for mail.
	Color string
	// Statement is the organisation's privacy statement URL (footer link).
	Statement string
	Path      string // the page path, for the language links
	Action    string // form action (path with ?lang=)
	CSRF      string
	Error     string
	D         any
	msgs      map[string]string
	baseColor string // the installation's colour (served at /static/site.css)
}

// T returns the text for key in the page language.
func (p *page) T(key string) string {
	if m, ok := p.msgs[key]; ok {
		return m
	}
	return key
}

// Tf is T with fmt.Sprintf arguments.
func (p *page) Tf(key string, args ...any) string { return plural.Sprintf(p.T(key), args...) }

// CSS is the stylesheet in the page's house colour: the installation's at
// /static/site.css, a department's with its colour as ?c=rrggbb (the
// policy allows no inline style).
func (p *page) CSS() string {
	if p.Color == "" || p.Color == p.baseColor || len(p.Color) != 7 {
		return "/static/site.css"
	}
	return "/static/site.css?c=" + p.Color[1:]
}

// LangURL is the page in another language.
func (p *page) LangURL(lang string) string { return p.Path + "?lang=" + lang }

const layoutHTML = `<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Title}} · {{.Org}}</title>
<link rel="stylesheet" href="{{.CSS}}">
</head>
<body>
<a class="skip" href="#main">{{.Title}}</a>
<header>{{if .Logo}}<img class="logo" src="{{.Logo}}" alt="{{.Org}}">{{else}}<span class="org">{{.Org}}</span>{{end}}</header>
<main id="main">
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" role="alert" id="form-error">{{.Error}}</p>{{end}}
{{template "content" .}}
</main>
<footer>
<nav aria-label="{{.T "language"}}"><a href="{{.LangURL "nl"}}" lang="nl" hreflang="nl">Nederlands</a> · <a href="{{.LangURL "en"}}" lang="en" hreflang="en">English</a> · <a href="/privacy?lang={{.Lang}}">{{.T "footer.privacy"}}</a>{{if .Statement}} · <a href="{{.Statement}}">{{.T "footer.statement"}}</a>{{end}}</nav>
</footer>
</body>
</html>`

// contents are the page bodies by name.
var contents = map[string]string{
	// message: a title and one paragraph.
	"message": `<p>{{.D}}</p>`,
	// action: a paragraph and a form with one button (and hidden fields).
	"action": `<p>{{.D.Body}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{range $k, $v := .D.Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<button type="submit" class="{{.D.Class}}">{{.D.Button}}</button>
</form>`,
	"subscribe": `<p>{{.D.List.Purpose}}</p>
<p>{{.D.Retention}}</p>
<form method="post" action="{{.Action}}" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label for="email">{{.T "sub.email"}}</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{{.D.Email}}"{{if .Error}} aria-describedby="form-error"{{end}}></p>
<p><label for="name">{{.T "sub.name"}}</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="{{.D.Name}}"></p>
<p class="check"><input id="consent" name="consent" type="checkbox" value="yes" required>
<label for="consent">{{.D.ConsentText}}</label></p>
<p><button type="submit">{{.T "sub.button"}}</button></p>
</form>`,
	"unsubscribe": `{{if .D.Lists}}<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<fieldset><legend>{{.Tf "unsub.body" .D.Email}}</legend>
{{if .D.CampaignLists}}<p class="check"><input type="radio" id="scope-campaign" name="scope" value="campaign" checked>
<label for="scope-campaign">{{.Tf "unsub.campaign" .D.CampaignLists}}</label></p>{{end}}
<p class="check"><input type="radio" id="scope-all" name="scope" value="all"{{if not .D.CampaignLists}} checked{{end}}>
<label for="scope-all">{{.Tf "unsub.all" .Org}}</label></p>
</fieldset>
<p><button type="submit">{{.T "unsub.button"}}</button></p>
</form>{{else}}<p>{{.T "unsub.none"}}</p>{{end}}`,
	"update": `<p>{{.T "upd.intro"}}</p>
<dl>
<dt>{{.T "upd.name"}}</dt><dd>{{.D.Name}}</dd>
<dt>{{.T "upd.email"}}</dt><dd>{{.D.Email}}</dd>
{{range .D.Attrs}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}
{{if .D.Lists}}<dt>{{.T "upd.lists"}}</dt><dd>{{.D.Lists}}</dd>{{end}}
</dl>
<ul class="choices">
<li><a class="button" id="answer-ok" href="{{.D.Base}}?answer=ok&amp;lang={{.Lang}}">{{.T "upd.ok"}}</a></li>
<li><a class="button secondary" id="answer-change" href="{{.D.Base}}?answer=change&amp;lang={{.Lang}}">{{.T "upd.change"}}</a></li>
<li><a class="button danger" id="answer-remove" href="{{.D.Base}}?answer=remove&amp;lang={{.Lang}}">{{.T "upd.remove"}}</a></li>
</ul>`,
	"update_change": `<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<input type="hidden" name="answer" value="change">
<p><label for="name">{{.T "upd.name"}}</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="{{.D.Name}}"></p>
{{range .D.Attrs}}<p><label for="attr-{{.Key}}">{{.Key}}</label>
<input id="attr-{{.Key}}" name="attr.{{.Key}}" type="text" maxlength="500" value="{{.Value}}"></p>
{{end}}<p><button type="submit">{{.T "upd.change.button"}}</button></p>
</form>`,
	"privacy_form": `<p>{{.T "priv.body"}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label for="email">{{.T "priv.email"}}</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{{.D.Email}}"></p>
<fieldset><legend>{{.T "priv.kind"}}</legend>
<p class="check"><input type="radio" id="kind-access" name="kind" value="access"{{if eq .D.Kind "access"}} checked{{end}} required><label for="kind-access">{{.T "priv.access"}}</label></p>
<p class="check"><input type="radio" id="kind-erasure" name="kind" value="erasure"{{if eq .D.Kind "erasure"}} checked{{end}}><label for="kind-erasure">{{.T "priv.erasure"}}</label></p>
<p class="check"><input type="radio" id="kind-rectification" name="kind" value="rectification"{{if eq .D.Kind "rectification"}} checked{{end}}><label for="kind-rectification">{{.T "priv.rectification"}}</label></p>
<p class="check"><input type="radio" id="kind-restriction" name="kind" value="restriction"{{if eq .D.Kind "restriction"}} checked{{end}}><label for="kind-restriction">{{.T "priv.restriction"}}</label></p>
<p class="check"><input type="radio" id="kind-objection" name="kind" value="objection"{{if eq .D.Kind "objection"}} checked{{end}}><label for="kind-objection">{{.T "priv.objection"}}</label></p>
</fieldset>
<p><label for="details">{{.T "priv.details.form"}}</label>
<textarea id="details" name="details" rows="4" maxlength="{{.D.Max}}"{{if .Error}} aria-describedby="form-error"{{end}}>{{.D.Details}}</textarea></p>
<p><button type="submit">{{.T "priv.button"}}</button></p>
</form>`,
	"privacy_verify": `<p>{{.T "priv.confirm.body"}}</p>
<p>{{.T "priv.confirm.kind"}} <strong>{{.D.Kind}}</strong></p>
{{if .D.Details}}<p>{{.T "priv.confirm.details"}}</p>
<blockquote class="details">{{.D.Details}}</blockquote>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit">{{.T "priv.confirm.button"}}</button>
</form>`,
	"privacy_contact": `<p>{{.T "priv.body"}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><button type="submit" name="kind" value="access">{{.T "priv.access"}}</button></p>
<p><button type="submit" name="kind" value="restriction" class="secondary">{{.T "priv.restriction"}}</button></p>
<p><button type="submit" name="kind" value="objection" class="secondary">{{.T "priv.objection"}}</button></p>
<p><button type="submit" name="kind" value="erasure" class="danger">{{.T "priv.erasure"}}</button></p>
</form>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label for="details">{{.T "priv.details"}}</label>
<textarea id="details" name="details" rows="4" maxlength="{{.D.Max}}" required{{if .Error}} aria-describedby="form-error" aria-invalid="true"{{end}}>{{.D.Details}}</textarea></p>
<p><button type="submit" name="kind" value="rectification" class="secondary">{{.T "priv.rectification"}}</button></p>
</form>`,
}

// templates are parsed once per Server and language.
type templates struct {
	byLang map[string]map[string]*template.Template
	bufs   sync.Pool
}

// staticT matches {{.T "key"}}: fixed texts are put into the template source
// of each language (escaped) when parsing, so rendering only evaluates the
// parts that change per request.
var staticT = regexp.MustCompile(`\{\{\.T "([a-z.]+)"\}\}`)

func localize(src, lang string) string {
	return staticT.ReplaceAllStringFunc(src, func(m string) string {
		key := staticT.FindStringSubmatch(m)[1]
		if v, ok := messages[lang][key]; ok {
			return html.EscapeString(v)
		}
		return m
	})
}

func parseTemplates() (*templates, error) {
	t := &templates{byLang: map[string]map[string]*template.Template{}, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	for _, lang := range Langs {
		base, err := template.New("layout").Parse(localize(layoutHTML, lang))
		if err != nil {
			return nil, err
		}
		t.byLang[lang] = map[string]*template.Template{}
		for name, body := range contents {
			c, err := template.Must(base.Clone()).New("content").Parse(localize(body, lang))
			if err != nil {
				return nil, fmt.Errorf("pages: template %s: %w", name, err)
			}
			t.byLang[lang][name] = c.Lookup("layout")
		}
	}
	return t, nil
}

// render writes the named page with status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) {
	buf := s.tpl.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.tpl.bufs.Put(buf)
	if err := s.tpl.byLang[p.Lang][name].Execute(buf, p); err != nil {
		s.log.Error("pages: render", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// css is the stylesheet in the house colour. Button text is white or black,
// whichever contrasts more with the colour (WCAG 2.1 contrast ratio).
func css(primary string) string {
	fg := "#ffffff"
	if contrast(primary, "#ffffff") < contrast(primary, "#000000") {
		fg = "#000000"
	}
	return `:root{--primary:` + primary + `;--on-primary:` + fg + `}
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f6f6}
header,main,footer{max-width:40rem;margin:0 auto;padding:1rem 1.25rem}
header{border-bottom:4px solid var(--primary)}
.logo{max-height:3rem;max-width:100%}
.org{font-weight:700;font-size:1.25rem}
main{background:#fff;margin-top:1rem;border-radius:6px}
h1{font-size:1.5rem;line-height:1.25}
label{display:block;font-weight:600;margin-bottom:.25rem}
.check{display:flex;gap:.6rem;align-items:flex-start}
.check label{font-weight:400}
.check input{margin-top:.35rem;width:1.15rem;height:1.15rem;flex:none}
input[type=email],input[type=text]{width:100%;padding:.6rem;font:inherit;border:2px solid #595959;border-radius:4px}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-weight:600;margin-bottom:.5rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:4px;border:2px solid var(--primary);background:var(--primary);color:var(--on-primary);text-decoration:none;cursor:pointer}
.secondary{background:#fff;color:#1a1a1a}
.danger{background:#fff;color:#a00000;border-color:#a00000}
:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}
.choices{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.75rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.error{color:#a00000;font-weight:600;border-left:4px solid #a00000;padding-left:.75rem}
footer{font-size:.9rem;color:#4a4a4a}
footer a{color:#1a1a1a}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
`
}

func luminance(hex string) float64 {
	if len(hex) != 7 {
		return 0
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
