package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/internal/plural"
)

//go:embed templates
var templateFS embed.FS

// views holds one parsed template set per view: the layout, the partials
// and views/<name>.html.
type views struct {
	sets map[string]*template.Template
}

// funcs are the template helpers that need no request.
var funcs = template.FuncMap{
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f%%", f) },
	"add":   func(a, b int) int { return a + b },
	"list":  func(v ...string) []string { return v },
	"mul":   func(a, b int) int { return a * b },
	"scale": func(f, k float64) float64 { return f * k },
	"plus":  func(a, f float64) float64 { return a + f },
	"kib":   func(n int64) int64 { return (n + 1023) / 1024 },
	// visible echoes typed input in an error list with what a reader
	// cannot see escaped (errs.Visible): "\u202e", not a reversed line.
	"visible": errs.Visible,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"deref": func(p any) any {
		switch v := p.(type) {
		case *int64:
			if v != nil {
				return *v
			}
		case *string:
			if v != nil {
				return *v
			}
		}
		return ""
	},
}

// timeFuncs show times to people by one rule (humantime.Time): date is a
// time in the organisation's zone loc, named, with UTC beside it; datein
// the same in another zone (a schedule's), an unknown zone showing UTC.
func timeFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return humantime.Time(v, loc)
			case *time.Time:
				if v != nil {
					return humantime.Time(*v, loc)
				}
			}
			return "—"
		},
		"datein": func(t *time.Time, zone string) string {
			if t == nil {
				return "—"
			}
			l, err := time.LoadLocation(zone)
			if err != nil {
				l = time.UTC
			}
			return humantime.Time(*t, l)
		},
	}
}

// parseViews parses the views; times show in loc (nil: UTC).
func parseViews(loc *time.Location) (*views, error) {
	base, err := template.New("layout.html").Funcs(funcs).Funcs(timeFuncs(loc)).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/views/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{sets: map[string]*template.Template{}}
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("console: view %s: %w", n, err)
		}
		v.sets[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return v, nil
}

// has reports whether a view exists.
func (v *views) has(name string) bool { _, ok := v.sets[name]; return ok }

// page is what every template gets: the view builder fills the CSRF token,
// the person and the flash message; handlers add their data with Set.
type page struct {
	View   string
	Lang   string
	Menu   string
	S      Session
	Signed bool
	CSRF   string
	Flash  string
	Errs   map[string]string
	// Path is the request path with its query, for the language links.
	Path string
	// Here is where the language switch comes back to: the page a GET
	// shows, the overview after a POST (its path may take no GET).
	Here string
	// Poll is the URL console.js reloads the [data-poll] element from.
	Poll string
	D    map[string]any
}

// T returns the text for key in the page language.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// Tf is T with fmt.Sprintf arguments; a counted noun takes its form from
// its count (plural.Sprintf).
func (p *page) Tf(key string, args ...any) string { return plural.Sprintf(tr(p.Lang, key), args...) }

// Can says whether the person may use perm (buttons are hidden otherwise).
func (p *page) Can(perm string) bool { return p.S.Can(access.Permission(perm)) }

// Err is the error of one form field ("" when none).
func (p *page) Err(field string) string { return p.Errs[field] }

// Summary is one entry of the error summary: a message that does not
// name its field (a domain message such as "must be one line of at most
// 200 characters") gets the field's name in front ("field." keys, else
// the form name), so the summary says what to fix where.
func (p *page) Summary(field, msg string) string {
	if r, _ := utf8.DecodeRuneInString(msg); !unicode.IsLower(r) {
		return msg
	}
	name := p.T("field." + field)
	if name == "field."+field {
		name = strings.ReplaceAll(field, "_", " ")
	}
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:] + " " + msg
}

// Invalid marks an input whose field has an error (aria-invalid, and
// aria-describedby pointing at the message).
func (p *page) Invalid(field string) template.HTMLAttr {
	if p.Errs[field] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(field) + `-error"`)
}

// FieldErr is the data of the field_error partial.
func (p *page) FieldErr(field string) map[string]string {
	return map[string]string{"Field": field, "Msg": p.Errs[field]}
}

// newPage starts the view builder for r.
func (h *Handler) newPage(r *http.Request, view, menu string) *page {
	s, ok := sessionFrom(r.Context())
	lang := pageLang(r)
	here := Prefix
	if r.Method == http.MethodGet {
		here = r.URL.RequestURI()
	}
	return &page{View: view, Lang: lang, Menu: menu, S: s, Signed: ok, CSRF: s.CSRF,
		Flash: flashOf(r), Path: r.URL.RequestURI(), Here: here, D: map[string]any{}}
}

// pageLang is the language of r's page: the signed-in person's, else the
// one langOf picks.
func pageLang(r *http.Request) string {
	s, ok := sessionFrom(r.Context())
	if !ok {
		return langOf(r)
	}
	if s.Lang == "" {
		return "en"
	}
	return s.Lang
}

// Reason is a bounce reason word (bounces.Reasons) in the page language;
// a word without a text is shown as it is.
func (p *page) Reason(word string) string {
	if t := tr(p.Lang, "bouncereason."+word); t != "bouncereason."+word {
		return t
	}
	return word
}

// Msg translates a message of a domain package (see trMsg).
func (p *page) Msg(msg string) string { return trMsg(p.Lang, msg) }

// Set adds a value for the template.
func (p *page) Set(k string, v any) *page { p.D[k] = v; return p }

// render writes the page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	t, ok := h.views.sets[p.View]
	if !ok {
		return fmt.Errorf("console: no view %q", p.View)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("console: render %s: %w", p.View, err)
	}
	h.clearFlash(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// show renders a page with 200.
func (h *Handler) show(w http.ResponseWriter, r *http.Request, p *page) error {
	return h.render(w, r, http.StatusOK, p)
}

// flashCookie carries the key of the message shown after a redirect.
const flashCookie = "postbode_flash"

// redirect sends the browser to target (under the console) with a flash
// message key (a text key, never personal data).
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, target, flash string) error {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: Prefix,
			HttpOnly: true, Secure: h.secureCookie(r), SameSite: http.SameSiteStrictMode, MaxAge: 60})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func flashOf(r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	v, _ := url.QueryUnescape(c.Value)
	return v
}

func (h *Handler) clearFlash(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix, HttpOnly: true,
		Secure: h.secureCookie(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// langOf picks the language of a signed-out page: ?lang=, else Accept-Language.
func langOf(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "nl" || l == "en" {
		return l
	}
	if strings.HasPrefix(r.Header.Get("Accept-Language"), "nl") {
		return "nl"
	}
	return "en"
}

// setErrs translates form errors into the page's field errors.
func (p *page) setErrs(e map[string]string) {
	p.Errs = map[string]string{}
	for f, k := range e {
		p.Errs[f] = p.T(k)
	}
}
