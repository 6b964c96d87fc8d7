package templates

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
)

// The fast path. Executing html/template costs about a microsecond per
// action (reflection, escaper calls), and a newsletter in its layout has
// dozens. So at Compile each part is rewritten: every output action that
// depends on Data becomes {{marker N}}, every {{if}} on Data becomes
// {{if cond K}}; actions on the Style stay. For each combination of the
// conditions (a "variant", built on first use) the rewritten templates are
// executed once by html/template itself, which escapes the markers for
// their context and tells (in the escaped parse tree) which escapers each
// marker went through. The output, cut at the markers, is a program: static
// bytes and "value N through escapers E". Render evaluates the few distinct
// merge fields and runs the program: a copy of the static text plus a
// handful of escapes.
//
// Templates the rewrite does not handle ({{range}}, {{with}}, variables,
// escapers other than HTML text/attribute and URL, too many conditions)
// keep the html/template path; tests check both paths give the same output.

const (
	markOpen, markClose = "\uE000", "\uE001"
	// urlMarkOpen/Close are the markers as html/template percent-encodes them in URLs.
	urlMarkOpen, urlMarkClose = "%ee%80%80", "%ee%80%81"
	maxConds                  = 6
)

// fastTemplate is the compiled fast path of a Template.
type fastTemplate struct {
	pipes      []valueFunc // distinct output pipelines
	sites      []int       // marker site -> pipe
	conds      []condFunc
	subject    string // rewritten sources
	html       string
	layout     string
	footerHTML string
	text       string
	textDefs   string
	footer     string
	style      Style

	mu       sync.Mutex
	variants sync.Map // uint64 mask -> *variant
}

type valueFunc func(d *Data) string
type condFunc func(d *Data) bool

type variant struct {
	subject, html, text, footer program
	// footerOp and footerOff locate the start of the last footer element
	// in html: op index and offset in its static bytes (-1: none).
	footerOp, footerOff int
	failed              bool
}

// program is a rendered part cut at its merge fields.
type program []op

type op struct {
	static []byte
	site   int // -1 for static
	esc    func(dst []byte, s string) []byte
}

// rewriter turns a template source into its marker form.
type rewriter struct {
	f        *fastTemplate
	pipeIdx  map[string]int
	condIdx  map[string]int
	fallback bool
}

var (
	actionWordRE = regexp.MustCompile(`^(\w+)`)
	stringLitRE  = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`|'(?:[^'\\\\]|\\\\.)*'")
	styleRefRE   = regexp.MustCompile(`\((house|words)\)\.\w+`)
	fieldRE      = regexp.MustCompile(`^\.(Contact\.(Name|Email|ID)|Contact\.Attributes\.(\w+)|CampaignID|CampaignName|Links\.(Unsubscribe|Update|Privacy|View|UpdateOK|UpdateChange|UpdateRemove))$`)
)

// compileFast prepares the fast path, or returns nil when the templates
// use something it does not handle.
func compileFast(b *budget, subject, html, text string, style Style) *fastTemplate {
	for _, s := range []string{subject, html, text} {
		if strings.Contains(s, markOpen) || strings.Contains(s, markClose) || strings.Contains(strings.ToLower(s), "%ee%80%8") {
			return nil
		}
	}
	f := &fastTemplate{style: style}
	rw := &rewriter{f: f, pipeIdx: map[string]int{}, condIdx: map[string]int{}}
	f.subject = rw.rewrite(subject)
	f.html = rw.rewrite(html)
	f.layout = rw.rewrite(layoutHTML)
	f.footerHTML = rw.rewrite(footerHTML)
	f.text = rw.rewrite(text)
	f.footer = rw.rewrite(textFooter(style))
	f.textDefs = rw.rewrite(textDefs(style))
	if rw.fallback || len(f.conds) > maxConds {
		return nil
	}
	if _, err := f.variant(b, 0); err != nil {
		return nil
	}
	return f
}

// rewrite replaces the Data-dependent actions of src.
func (rw *rewriter) rewrite(src string) string {
	var b strings.Builder
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			b.WriteString(src)
			return b.String()
		}
		j := actionEnd(src[i:])
		if j < 0 {
			rw.fallback = true
			return ""
		}
		b.WriteString(src[:i])
		b.WriteString(rw.action(src[i : i+j]))
		src = src[i+j:]
	}
}

func (rw *rewriter) action(a string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(a, "{{"), "}}")
	left, right := "{{", "}}"
	if strings.HasPrefix(inner, "- ") {
		left, inner = "{{- ", inner[2:]
	}
	if strings.HasSuffix(inner, " -") {
		right, inner = " -}}", inner[:len(inner)-2]
	}
	inner = strings.TrimSpace(inner)
	word := actionWordRE.FindString(inner)
	switch {
	case strings.HasPrefix(inner, "/*"), inner == "end", inner == "else",
		word == "define", word == "template" && strings.HasSuffix(inner, " ."):
		return a
	case word == "if" || strings.HasPrefix(inner, "else if "):
		kw := "if"
		if word == "else" {
			kw = "else if"
		}
		pipe := strings.TrimSpace(strings.TrimPrefix(inner, kw))
		if isConstant(pipe) {
			return a
		}
		return left + kw + " cond " + strconv.Itoa(rw.cond(pipe)) + right
	case word == "range" || word == "with" || word == "block" || word == "else" || word == "template" ||
		word == "break" || word == "continue" || strings.Contains(inner, "$"):
		rw.fallback = true
		return a
	case isConstant(inner):
		return a
	}
	return left + "marker " + strconv.Itoa(rw.site(inner)) + right
}

// isConstant reports whether a pipeline uses only literals and the Style.
func isConstant(pipe string) bool {
	p := styleRefRE.ReplaceAllString(stringLitRE.ReplaceAllString(pipe, `""`), "")
	return !strings.ContainsAny(p, ".$")
}

func (rw *rewriter) site(pipe string) int {
	k, ok := rw.pipeIdx[pipe]
	if !ok {
		k = len(rw.f.pipes)
		rw.pipeIdx[pipe] = k
		v, err := valueOf(pipe)
		if err != nil {
			rw.fallback = true
		}
		rw.f.pipes = append(rw.f.pipes, v)
	}
	rw.f.sites = append(rw.f.sites, k)
	return len(rw.f.sites) - 1
}

func (rw *rewriter) cond(pipe string) int {
	k, ok := rw.condIdx[pipe]
	if !ok {
		k = len(rw.f.conds)
		rw.condIdx[pipe] = k
		c, err := condOf(pipe)
		if err != nil {
			rw.fallback = true
		}
		rw.f.conds = append(rw.f.conds, c)
	}
	return k
}

// mask evaluates the conditions for d.
func (f *fastTemplate) mask(d *Data) uint64 {
	var m uint64
	for k, c := range f.conds {
		if c(d) {
			m |= 1 << k
		}
	}
	return m
}

// variant returns (building on first use) the programs for a condition mask.
func (f *fastTemplate) variant(b *budget, m uint64) (*variant, error) {
	if v, ok := f.variants.Load(m); ok {
		return v.(*variant).usable()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.variants.Load(m); ok {
		return v.(*variant).usable()
	}
	v, err := f.build(b, m)
	if limitError(err, "") != nil {
		return nil, err // the budget of this render: try again next time
	}
	if err != nil {
		// Remember the failure: this combination renders on the slow path
		// from now on, without trying to build again.
		f.variants.Store(m, &variant{failed: true})
		return nil, err
	}
	f.variants.Store(m, v)
	return v, nil
}

var errVariant = errors.New("templates: no fast path for this combination of conditions")

func (v *variant) usable() (*variant, error) {
	if v.failed {
		return nil, errVariant
	}
	return v, nil
}

func (f *fastTemplate) build(b *budget, m uint64) (*variant, error) {
	fm := withFuncs(map[string]any{
		"marker": func(n int) string { return markOpen + strconv.Itoa(n) + markClose },
		"cond":   func(k int) bool { return m&(1<<k) != 0 },
		stepFunc: b.step,
	}, boundedFuncs(b))
	v := &variant{}
	var err error
	text := func(src string) (program, error) {
		t, err := texttemplate.New("t").Funcs(textFuncs).Funcs(fm).Parse(src)
		if err != nil {
			return nil, err
		}
		if t.Lookup("update-buttons") == nil {
			if _, err := t.New("defs").Parse(f.textDefs); err != nil {
				return nil, err
			}
		}
		for _, x := range t.Templates() {
			instrument(x.Tree)
		}
		var out bytes.Buffer
		if err := t.Execute(limitWriter{&out, MaxPartBytes}, Data{}); err != nil {
			return nil, err
		}
		return cutProgram(out.Bytes(), nil)
	}
	if v.subject, err = text(f.subject); err != nil {
		return nil, err
	}
	if v.text, err = text(f.text); err != nil {
		return nil, err
	}
	if v.footer, err = text(f.footer); err != nil {
		return nil, err
	}
	ht, err := parseHTMLWith(f.html, f.layout, f.footerHTML, f.style, htmltemplate.FuncMap(fm))
	if err != nil {
		return nil, err
	}
	instrument(htmlTrees(ht)...)
	var out bytes.Buffer
	if err := ht.Execute(limitWriter{&out, MaxPartBytes}, Data{}); err != nil {
		return nil, err
	}
	chains, err := escaperChains(ht)
	if err != nil {
		return nil, err
	}
	if v.html, err = cutProgram(out.Bytes(), chains); err != nil {
		return nil, err
	}
	v.footerOp, v.footerOff = v.html.lastStatic(footerMark)
	return v, nil
}

// cutProgram splits rendered output at the markers. chains gives each
// site's escaper (nil: text parts, no escaping).
func cutProgram(out []byte, chains map[int]func([]byte, string) []byte) (program, error) {
	var p program
	for len(out) > 0 {
		i, open, close := nextMarker(out)
		if i < 0 {
			p = append(p, op{static: bytes.Clone(out), site: -1})
			break
		}
		if i > 0 {
			p = append(p, op{static: bytes.Clone(out[:i]), site: -1})
		}
		rest := out[i+len(open):]
		j := bytes.Index(rest, []byte(close))
		if j < 0 {
			return nil, fmt.Errorf("unterminated marker")
		}
		site, err := strconv.Atoi(string(rest[:j]))
		if err != nil {
			return nil, fmt.Errorf("bad marker")
		}
		o := op{site: site}
		if chains != nil {
			if o.esc = chains[site]; o.esc == nil {
				return nil, fmt.Errorf("marker %d without escaper", site)
			}
		}
		p = append(p, o)
		out = rest[j+len(close):]
	}
	return p, nil
}

// lastStatic locates the last sep in p's static bytes: op index and offset
// (-1, -1 when there is none).
func (p program) lastStatic(sep []byte) (int, int) {
	for k := len(p) - 1; k >= 0; k-- {
		if i := bytes.LastIndex(p[k].static, sep); i >= 0 {
			return k, i
		}
	}
	return -1, -1
}

func nextMarker(b []byte) (int, string, string) {
	i := bytes.Index(b, []byte(markOpen))
	j := bytes.Index(b, []byte(urlMarkOpen))
	switch {
	case i < 0 && j < 0:
		return -1, "", ""
	case j < 0 || (i >= 0 && i < j):
		return i, markOpen, markClose
	}
	return j, urlMarkOpen, urlMarkClose
}

// render runs the fast path into the subject, html, text and text footer
// buffers (empty); it returns where the footer element starts in html (-1:
// unknown).
func (f *fastTemplate) render(b *budget, d *Data, subject, html, text, footer *bytes.Buffer) (int, error) {
	v, err := f.variant(b, f.mask(d))
	if err != nil {
		return -1, err
	}
	vals := make([]string, len(f.pipes))
	done := make([]bool, len(f.pipes))
	value := func(site int) string {
		k := f.sites[site]
		if !done[k] {
			vals[k], done[k] = f.pipes[k](d), true
		}
		return vals[k]
	}
	footerAt := -1
	run := func(p program, w *bytes.Buffer, mark int) {
		buf := w.AvailableBuffer()
		for k, o := range p {
			if k == mark {
				footerAt = w.Len() + len(buf) + v.footerOff
			}
			switch {
			case o.site < 0:
				buf = append(buf, o.static...)
			case o.esc != nil:
				buf = o.esc(buf, value(o.site))
			default:
				buf = append(buf, value(o.site)...)
			}
		}
		w.Write(buf)
	}
	run(v.subject, subject, -1)
	run(v.html, html, v.footerOp)
	run(v.text, text, -1)
	run(v.footer, footer, -1)
	return footerAt, nil
}
