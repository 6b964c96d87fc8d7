package templates

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
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
func compileFast(subject, html, text string, style Style) *fastTemplate {
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
	if _, err := f.variant(&Data{}, 0); err != nil {
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

// valueOf returns an evaluator for an output pipeline: direct field access
// for the plain merge fields, a one-action text/template otherwise.
func valueOf(pipe string) (valueFunc, error) {
	if m := fieldRE.FindStringSubmatch(pipe); m != nil {
		switch {
		case m[3] != "":
			key := m[3]
			return func(d *Data) string { return printValue(d.Contact.Attributes[key]) }, nil
		case m[1] == "Contact.Name":
			return func(d *Data) string { return d.Contact.Name }, nil
		case m[1] == "Contact.Email":
			return func(d *Data) string { return d.Contact.Email }, nil
		case m[1] == "Contact.ID":
			return func(d *Data) string { return strconv.FormatInt(d.Contact.ID, 10) }, nil
		case m[1] == "CampaignID":
			return func(d *Data) string { return strconv.FormatInt(d.CampaignID, 10) }, nil
		case m[1] == "CampaignName":
			return func(d *Data) string { return d.CampaignName }, nil
		}
		return linkField(m[4]), nil
	}
	t, err := texttemplate.New("v").Funcs(textFuncs).Parse("{{" + pipe + "}}")
	if err != nil {
		return nil, err
	}
	return func(d *Data) string {
		var b strings.Builder
		if err := t.Execute(&b, d); err != nil {
			return ""
		}
		return strings.ReplaceAll(b.String(), "<no value>", "")
	}, nil
}

func linkField(name string) valueFunc {
	return func(d *Data) string {
		l := &d.Links
		switch name {
		case "Unsubscribe":
			return l.Unsubscribe
		case "Update":
			return l.Update
		case "Privacy":
			return l.Privacy
		case "View":
			return l.View
		case "UpdateOK":
			return l.UpdateOK
		case "UpdateChange":
			return l.UpdateChange
		}
		return l.UpdateRemove
	}
}

// printValue prints an attribute as templates do (nil prints nothing).
func printValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// condOf returns an evaluator for an {{if}} pipeline, with template truth.
func condOf(pipe string) (condFunc, error) {
	if m := fieldRE.FindStringSubmatch(pipe); m != nil && m[3] != "" {
		key := m[3]
		return func(d *Data) bool { return truth(d.Contact.Attributes[key]) }, nil
	} else if m != nil {
		switch m[1] {
		case "Contact.ID":
			return func(d *Data) bool { return d.Contact.ID != 0 }, nil
		case "CampaignID":
			return func(d *Data) bool { return d.CampaignID != 0 }, nil
		}
		v, _ := valueOf(pipe) // a string field: true when not empty
		return func(d *Data) bool { return v(d) != "" }, nil
	}
	t, err := texttemplate.New("c").Funcs(textFuncs).Parse("{{if " + pipe + "}}1{{end}}")
	if err != nil {
		return nil, err
	}
	return func(d *Data) bool {
		var b strings.Builder
		t.Execute(&b, d)
		return b.String() == "1"
	}, nil
}

// truth is text/template's truth of a value.
func truth(v any) bool {
	if v == nil {
		return false
	}
	t, _ := texttemplate.IsTrue(v)
	return t
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
func (f *fastTemplate) variant(d *Data, m uint64) (*variant, error) {
	if v, ok := f.variants.Load(m); ok {
		return v.(*variant), nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.variants.Load(m); ok {
		return v.(*variant), nil
	}
	v, err := f.build(m)
	if err != nil {
		return nil, err
	}
	f.variants.Store(m, v)
	return v, nil
}

func (f *fastTemplate) build(m uint64) (*variant, error) {
	fm := map[string]any{
		"marker": func(n int) string { return markOpen + strconv.Itoa(n) + markClose },
		"cond":   func(k int) bool { return m&(1<<k) != 0 },
	}
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
		var b bytes.Buffer
		if err := t.Execute(&b, Data{}); err != nil {
			return nil, err
		}
		return cutProgram(b.Bytes(), nil)
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
	var b bytes.Buffer
	if err := ht.Execute(&b, Data{}); err != nil {
		return nil, err
	}
	chains, err := escaperChains(ht)
	if err != nil {
		return nil, err
	}
	if v.html, err = cutProgram(b.Bytes(), chains); err != nil {
		return nil, err
	}
	return v, nil
}

// escaperChains reads, from the escaped parse trees, which escapers
// html/template put after each marker.
func escaperChains(t *htmltemplate.Template) (map[int]func([]byte, string) []byte, error) {
	names := map[int]string{}
	var walk func(n parse.Node) error
	walk = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.IfNode:
			if err := walk(n.List); err != nil {
				return err
			}
			return walk(n.ElseList)
		case *parse.ActionNode:
			cmds := n.Pipe.Cmds
			if len(cmds) == 0 || len(cmds[0].Args) != 2 {
				return nil
			}
			id, ok := cmds[0].Args[0].(*parse.IdentifierNode)
			num, ok2 := cmds[0].Args[1].(*parse.NumberNode)
			if !ok || !ok2 || id.Ident != "marker" {
				return nil
			}
			var chain []string
			for _, c := range cmds[1:] {
				e, ok := c.Args[0].(*parse.IdentifierNode)
				if !ok || len(c.Args) != 1 {
					return fmt.Errorf("unexpected pipeline %s", n)
				}
				chain = append(chain, e.Ident)
			}
			if len(chain) == 0 {
				return nil // a template never executed, so never escaped
			}
			key := strings.Join(chain, "|")
			site := int(num.Int64)
			if prev, seen := names[site]; seen && prev != key {
				return fmt.Errorf("site %d escaped two ways", site)
			}
			names[site] = key
		}
		return nil
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			if err := walk(tt.Tree.Root); err != nil {
				return nil, err
			}
		}
	}
	chains := map[int]func([]byte, string) []byte{}
	for site, key := range names {
		f, err := escaperFunc(key)
		if err != nil {
			return nil, err
		}
		chains[site] = f
	}
	return chains, nil
}

// escaperFunc returns the composition of html/template's escapers named in
// key (as they behave on plain strings), for the ones the fast path knows.
func escaperFunc(key string) (func([]byte, string) []byte, error) {
	switch key {
	case "_html_template_htmlescaper", "_html_template_attrescaper", "_html_template_rcdataescaper":
		return appendHTMLEscaped, nil
	}
	var steps []func(string) string
	for _, name := range strings.Split(key, "|") {
		switch name {
		case "_html_template_urlfilter":
			steps = append(steps, func(s string) string {
				if !isSafeURL(s) {
					return "#ZgotmplZ"
				}
				return s
			})
		case "_html_template_urlnormalizer":
			steps = append(steps, func(s string) string { return processURL(s, true) })
		case "_html_template_urlescaper":
			steps = append(steps, func(s string) string { return processURL(s, false) })
		case "_html_template_htmlescaper", "_html_template_attrescaper", "_html_template_rcdataescaper":
			steps = append(steps, func(s string) string { return string(appendHTMLEscaped(nil, s)) })
		default:
			return nil, fmt.Errorf("escaper %s not handled", name)
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("no escaper")
	}
	return func(dst []byte, s string) []byte {
		for _, st := range steps {
			s = st(s)
		}
		return append(dst, s...)
	}, nil
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

// render runs the fast path into the subject, html, text and text footer buffers.
func (f *fastTemplate) render(d *Data, subject, html, text, footer *bytes.Buffer) error {
	v, err := f.variant(d, f.mask(d))
	if err != nil {
		return err
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
	run := func(p program, w *bytes.Buffer) {
		buf := w.AvailableBuffer()
		for _, o := range p {
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
	run(v.subject, subject)
	run(v.html, html)
	run(v.text, text)
	run(v.footer, footer)
	return nil
}

// appendHTMLEscaped is html/template's HTML text and attribute escaper for
// plain strings.
func appendHTMLEscaped(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, repl...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}

// isSafeURL is html/template's URL scheme filter.
func isSafeURL(s string) bool {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		if !strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
			return false
		}
	}
	return true
}

// processURL is html/template's URL normaliser (norm) or escaper.
func processURL(s string, norm bool) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '!', '#', '$', '&', '*', '+', ',', '/', ':', ';', '=', '?', '@', '[', ']':
			if norm {
				continue
			}
		case '-', '.', '_', '~':
			continue
		case '%':
			if norm && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				continue
			}
		default:
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				continue
			}
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
