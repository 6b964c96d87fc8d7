package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// The footer's own elements carry guard styles (footerGuard) that no
// <style> rule can override. What a guard cannot reach, checkFooterCSS
// refuses at Compile, reading the CSS of the rendered sample:
//
//   - a <style> rule that can apply to the footer, one of its elements or
//     one of the elements around it, unless it sets only harmless
//     properties (colours, fonts, text alignment, table and text-size
//     settings, and spacing and sizes without negative or huge values).
//     Whether a rule can apply is decided from its selector alone: one whose
//     last compound names a class or an id can reach only elements with
//     that class or id — the footer has none, nor has the layout around it;
//     in a complete document, the author's <html> and <body> are checked
//     for the class or id. Pseudo-elements (::before, ::after …) that can
//     apply there are refused whatever they set (they can cover the footer);
//   - anywhere in the CSS, style attributes included: what lays an element
//     over others (position other than static or relative, offsets,
//     negative margins, transforms), since it could cover the footer;
//   - anywhere in the CSS, style attributes and the height, width and
//     spacing attributes of elements included: a size or spacing so large
//     that it pushes the footer out of sight below the content (pushOut):
//     no margin, padding, border, width, height, gap or indent over 2000
//     CSS pixels, nor one rule's height, vertical margins, padding and
//     borders over 2000 together, no font-size or line-height over 200,
//     no zoom above 1, no multiplication in calc(), no aspect-ratio
//     taller than 10:1;
//   - @import and <link rel="stylesheet">: CSS that cannot be checked.

// harmless are the properties a rule that reaches the footer or the
// elements around it may set: the guard overrides them on the footer, and
// on the elements around it they cannot hide what is inside.
var harmless = map[string]bool{
	"color": true, "background": true, "background-color": true, "background-image": true, "background-repeat": true,
	"background-position": true, "background-size": true,
	"font": true, "font-family": true, "font-size": true, "font-weight": true, "font-style": true, "font-variant": true,
	"line-height": true, "text-align": true, "text-decoration": true, "text-decoration-line": true, "text-decoration-color": true,
	"text-transform": true, "vertical-align": true, "letter-spacing": true, "word-spacing": true, "word-break": true,
	"word-wrap": true, "overflow-wrap": true, "white-space": true, "direction": true, "hyphens": true,
	"-webkit-text-size-adjust": true, "-ms-text-size-adjust": true, "text-size-adjust": true, "-ms-interpolation-mode": true,
	"-webkit-font-smoothing": true, "-moz-osx-font-smoothing": true, "text-rendering": true,
	"border-collapse": true, "border-spacing": true, "table-layout": true, "box-sizing": true,
	"list-style": true, "list-style-type": true, "cursor": true, "color-scheme": true, "supported-color-schemes": true,
	"border-color": true, "border-style": true, "border-radius": true,
}

// sized are the spacing and size properties a rule that reaches the footer
// or around it may set with small, non-negative values (smallSize).
var sized = regexp.MustCompile(`^(margin|padding)(-(top|right|bottom|left))?$|^border(-(top|right|bottom|left))?(-width)?$|^(min-|max-)?(width|height)$`)

// offsets move a positioned element.
var offsets = regexp.MustCompile(`^(top|right|bottom|left|inset(-.*)?)$`)

// smallSize: every length in v is between 0 and 600px (or 100%, 40em).
func smallSize(v string) bool {
	v = strings.ToLower(v)
	if strings.Contains(v, "(") {
		return false // calc(), var(): not checked
	}
	limits := map[string]float64{"px": 600, "%": 100, "em": 40, "rem": 40, "pt": 450, "vw": 100, "vh": 100, "ex": 80, "ch": 80}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '/' || r == '\t' }) {
		if tok == "" || !strings.ContainsRune("0123456789.-+", rune(tok[0])) {
			continue // a keyword or a colour
		}
		num := strings.TrimRight(tok, "abcdefghijklmnopqrstuvwxyz%")
		n, err := strconv.ParseFloat(num, 64)
		if err != nil || n < 0 {
			return false
		}
		if unit := tok[len(num):]; n != 0 && (unit == "" || limits[unit] == 0 || n > limits[unit]) {
			return false
		}
	}
	return true
}

// overlay says why declaration p: v could lay an element over the footer,
// or "".
func overlay(p, v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case p == "position" && v != "static" && v != "relative" && v != "inherit" && v != "initial" && v != "unset":
		return "position:" + v
	case offsets.MatchString(p) && v != "auto" && v != "0" && v != "0px" && v != "inherit" && v != "initial" && v != "unset":
		return p
	case strings.HasPrefix(p, "margin") && strings.Contains(v, "-"):
		return "a negative margin"
	case (p == "transform" || p == "translate" || p == "scale" || p == "rotate") && v != "none":
		return p
	}
	return ""
}

// pushLimit and textLimit bound, in CSS pixels, the lengths anywhere in a
// template's CSS that could push the footer far below the content (about
// three phone screens; a heading of 200px). They stop a typo or a trick
// such as .s{height:90000px}; content made long by many elements is
// content, and the reader scrolls through it.
const (
	pushLimit = 2000
	textLimit = 200
)

// pushes are the size and spacing properties pushOut bounds by pushLimit
// (custom properties too: var() may put their value anywhere).
var pushes = regexp.MustCompile(`^(margin|padding)(-(top|right|bottom|left|block|inline)(-(start|end))?)?$|` +
	`^(min-|max-)?(width|height|block-size|inline-size)$|^border(-(top|right|bottom|left|block|inline))?(-width)?$|` +
	`^(row-|column-)?gap$|^grid-gap$|^text-indent$|^border-spacing$|^flex(-basis)?$|^--`)

// texts are the properties pushOut bounds by textLimit.
var texts = regexp.MustCompile(`^(font|font-size|line-height)$`)

// pxPer converts a CSS length unit to pixels at a 16px font in a 1000px
// wide window; for font-size and line-height a percentage is of the font.
// Every length unit is here: one missing would pass as not a length.
var pxPer = map[string]float64{"px": 1, "pt": 4.0 / 3, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
	"em": 16, "rem": 16, "ex": 8, "ch": 8, "lh": 24, "rlh": 24, "vw": 10, "vh": 10, "vmin": 10, "vmax": 10,
	"svh": 10, "lvh": 10, "dvh": 10, "svw": 10, "lvw": 10, "dvw": 10, "vi": 10, "vb": 10,
	"svi": 10, "svb": 10, "lvi": 10, "lvb": 10, "dvi": 10, "dvb": 10,
	"svmin": 10, "svmax": 10, "lvmin": 10, "lvmax": 10, "dvmin": 10, "dvmax": 10,
	"cqw": 10, "cqh": 10, "cqi": 10, "cqb": 10, "cqmin": 10, "cqmax": 10,
	"cap": 16, "rcap": 16, "ic": 16, "ric": 16, "rex": 8, "rch": 8, "%": 10}

// pushOut says why declaration p: v could push the footer out of sight
// below the content, or "".
func pushOut(p, v string) string {
	v = strings.ToLower(v)
	switch {
	case p == "zoom":
		if n, unit, ok := cssNumber(strings.TrimSpace(v)); ok && (unit == "" && n > 1 || unit == "%" && n > 100) {
			return "zoom:" + strings.TrimSpace(v)
		}
		return ""
	case p == "aspect-ratio":
		w, h, ok := strings.Cut(v, "/")
		wn, _, ok1 := cssNumber(strings.TrimSpace(w))
		hn, _, ok2 := cssNumber(strings.TrimSpace(h))
		if ok && ok1 && ok2 && hn > 10*wn {
			return "aspect-ratio:" + strings.TrimSpace(v)
		}
		return ""
	}
	limit, text := float64(pushLimit), texts.MatchString(p)
	if text {
		limit = textLimit
	} else if !pushes.MatchString(p) {
		return ""
	}
	if strings.Contains(v, "(") && strings.Contains(v, "*") {
		return p + " with a multiplication in " + strings.TrimSpace(v)
	}
	for _, l := range lengths(p, v) {
		if l.px > limit {
			return fmt.Sprintf("%s:%s (over %d pixels)", p, l.tok, int(limit))
		}
	}
	return ""
}

// length is one length token of a value, in pixels (see pxPer).
type length struct {
	tok string
	px  float64
}

// lengths returns the lengths in value v of property p, keywords, colours,
// function names and unitless numbers left out (but for line-height, where a
// number is a multiple of the font).
func lengths(p, v string) []length {
	var out []length
	for _, tok := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return strings.ContainsRune(" ,/\t()+*", r) }) {
		n, unit, ok := cssNumber(tok)
		if !ok {
			continue
		}
		px := n * pxPer[unit]
		switch {
		case unit == "" && p == "line-height":
			px = n * 16
		case unit == "" && n == 0:
			px = 0 // a length of 0
		case unit == "":
			continue // a weight, a flex factor
		case unit == "%" && texts.MatchString(p):
			px = n * 0.16
		case pxPer[unit] == 0:
			continue // not a length (deg, s, fr …)
		}
		out = append(out, length{tok, max(px, -px)})
	}
	return out
}

// vertical adds up, in pixels, the height one rule (or style attribute) can
// give an element: the larger of its height and min-height, and its top and
// bottom margins, padding and borders. Each within pushLimit, together they
// could still push the footer far down, so the sum is bounded too.
func vertical(decls []decl) float64 {
	var h, rest float64
	for _, d := range decls {
		ls := lengths(d.prop, d.value)
		if len(ls) == 0 {
			continue
		}
		a := ls[0].px
		c := a // the bottom of a 1- or 2-value shorthand is its first value
		if len(ls) >= 3 {
			c = ls[2].px
		}
		switch p := d.prop; {
		case p == "height" || p == "min-height" || p == "block-size" || p == "min-block-size":
			h = max(h, a)
		case p == "margin" || p == "padding" || p == "border-width":
			rest += a + c
		case p == "margin-block" || p == "padding-block" || p == "border-block-width":
			rest += a + ls[min(1, len(ls)-1)].px
		case p == "border" || p == "border-block":
			rest += 2 * a
		case strings.HasSuffix(p, "-top") || strings.HasSuffix(p, "-bottom") || strings.HasSuffix(p, "-top-width") ||
			strings.HasSuffix(p, "-bottom-width") || strings.HasSuffix(p, "-block-start") || strings.HasSuffix(p, "-block-end"):
			if strings.HasPrefix(p, "margin") || strings.HasPrefix(p, "padding") || strings.HasPrefix(p, "border") {
				rest += a
			}
		}
	}
	return h + rest
}

// tooTall is the error for a rule whose declarations together give an
// element more height than pushLimit (vertical), or nil.
func tooTall(what string, decls []decl) error {
	if v := vertical(decls); v > pushLimit {
		return cssError("%s gives an element %d pixels of height, margins, padding and borders together (over %d), which can push the footer out of sight",
			what, int(v), pushLimit)
	}
	return nil
}

// cssNumber splits a CSS number token into its value and unit.
func cssNumber(tok string) (float64, string, bool) {
	if tok == "" || !strings.ContainsRune("0123456789.-+", rune(tok[0])) {
		return 0, "", false
	}
	num := strings.TrimRight(tok, "abcdefghijklmnopqrstuvwxyz%")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, "", false
	}
	return n, tok[len(num):], true
}

// pushAttrs are HTML attributes that size or space an element, in pixels
// (or a percentage of the width), bounded like CSS by pushLimit.
var pushAttrs = map[string]bool{"height": true, "width": true, "cellpadding": true, "cellspacing": true, "hspace": true, "vspace": true, "border": true}

// decl is one declaration.
type decl struct{ prop, value string }

// cssRule is a style rule: its selector list and declarations; keyframes
// blocks have no selector that applies to elements.
type cssRule struct {
	selector  string
	decls     []decl
	keyframes bool
}

// cssError is the Compile error for CSS that could hide the footer.
func cssError(format string, args ...any) error {
	return &Error{Part: "html", Msg: "the footer with the unsubscribe and privacy links could be hidden: " + fmt.Sprintf(format, args...)}
}

// checkFooterCSS checks the CSS of a rendered HTML part (see above).
func checkFooterCSS(root *html.Node, fullDoc bool) error {
	footer := findFooter(root)
	var around []*html.Node // body and html of a complete document
	if fullDoc && footer != nil {
		for n := footer.Parent; n != nil; n = n.Parent {
			if n.Type == html.ElementNode {
				around = append(around, n)
			}
		}
	}
	var err error
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if err != nil || n == footer {
			return
		}
		if n.Type == html.ElementNode {
			err = checkElementCSS(n, around)
		}
		for c := n.FirstChild; c != nil && err == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return err
}

func checkElementCSS(n *html.Node, around []*html.Node) error {
	for _, a := range n.Attr {
		switch {
		case a.Key == "style":
			for _, d := range parseDecls(a.Val) {
				if why := overlay(d.prop, d.value); why != "" {
					return cssError("<%s style> uses %s, which can lay it over the footer", n.Data, why)
				}
				if why := pushOut(d.prop, d.value); why != "" {
					return cssError("<%s style> sets %s, which can push the footer out of sight", n.Data, why)
				}
			}
			if err := tooTall(fmt.Sprintf("<%s style>", n.Data), parseDecls(a.Val)); err != nil {
				return err
			}
		case pushAttrs[a.Key] && (n.Namespace == "" || n.Data == "svg"):
			v := strings.TrimSpace(a.Val)
			if !strings.HasSuffix(v, "%") {
				v += "px"
			}
			if why := pushOut("height", v); why != "" {
				return cssError("<%s %s=%q> can push the footer out of sight (over %d pixels)", n.Data, a.Key, clipCSS(a.Val), pushLimit)
			}
		case n.Data == "link" && a.Key == "rel" && strings.Contains(strings.ToLower(a.Val), "stylesheet"):
			return cssError("<link rel=\"stylesheet\"> loads CSS that cannot be checked; put the CSS in a <style> element")
		}
	}
	if n.Data != "style" {
		return nil
	}
	var css strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			css.WriteString(c.Data)
		}
	}
	rules, err := parseSheet(css.String(), 0)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := checkRule(r, around); err != nil {
			return err
		}
	}
	return nil
}

func checkRule(r cssRule, around []*html.Node) error {
	for _, d := range r.decls {
		if why := overlay(d.prop, d.value); why != "" {
			return cssError("the <style> rule %q uses %s, which can lay an element over the footer", clipCSS(r.selector), why)
		}
		if why := pushOut(d.prop, d.value); why != "" {
			return cssError("the <style> rule %q sets %s, which can push the footer out of sight", clipCSS(r.selector), why)
		}
	}
	if err := tooTall(fmt.Sprintf("the <style> rule %q", clipCSS(r.selector)), r.decls); err != nil {
		return err
	}
	if r.keyframes {
		return nil
	}
	for _, sel := range splitTop(r.selector, ',') {
		sel = strings.TrimSpace(sel)
		if !reachesFooter(sel, around) {
			continue
		}
		if pseudoElement.MatchString(sel) {
			return cssError("the <style> rule %q adds a pseudo-element that can apply to the footer or around it; give the selector a class or id", clipCSS(sel))
		}
		for _, d := range r.decls {
			if harmless[d.prop] || strings.HasPrefix(d.prop, "mso-") || strings.HasPrefix(d.prop, "--") ||
				sized.MatchString(d.prop) && smallSize(d.value) {
				continue
			}
			return cssError("the <style> rule %q can apply to the footer or the elements around it and sets %s; give the selector a class or id, or leave %s out",
				clipCSS(sel), d.prop, d.prop)
		}
	}
	return nil
}

var pseudoElement = regexp.MustCompile(`(?i)::|:(before|after|first-line|first-letter)\b`)

func clipCSS(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// reachesFooter: the selector can apply to an element of the footer or the
// layout around it (its last compound names one of their elements, or
// none, and no class or id), or to the
// <html> or <body> of a complete document (around).
func reachesFooter(sel string, around []*html.Node) bool {
	subject := lastCompound(sel)
	typ, classes, ids := compoundParts(subject)
	if typ != "" && typ != "*" && !footerElements[typ] {
		return false
	}
	if len(classes) == 0 && len(ids) == 0 {
		return true
	}
	for _, n := range around {
		if typ != "" && typ != "*" && typ != n.Data {
			continue
		}
		has := map[string]bool{}
		for _, a := range n.Attr {
			switch a.Key {
			case "class":
				for _, c := range strings.Fields(a.Val) {
					has["."+c] = true
				}
			case "id":
				has["#"+a.Val] = true
			}
		}
		all := true
		for _, c := range append(classes, ids...) {
			all = all && has[c]
		}
		if all {
			return true
		}
	}
	return false
}

// footerElements are the elements of the footer and around it.
var footerElements = map[string]bool{"table": true, "tbody": true, "tr": true, "td": true, "p": true, "a": true, "body": true, "html": true}

// lastCompound returns the compound selector after the last combinator.
func lastCompound(sel string) string {
	depth, start := 0, 0
	for i := 0; i < len(sel); i++ {
		switch c := sel[i]; c {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ' ', '>', '+', '~', '\t', '\n':
			if depth == 0 {
				start = i + 1
			}
		case '\\':
			i++
		}
	}
	return strings.TrimSpace(sel[start:])
}

// compoundParts returns the type, the classes (".x") and ids ("#x") of a
// compound selector; those inside :is(), :not() … do not count.
func compoundParts(c string) (typ string, classes, ids []string) {
	depth := 0
	i := 0
	for i < len(c) && depth == 0 && (c[i] == '*' || c[i] == '-' || c[i] == '_' || c[i] >= 'a' && c[i] <= 'z' || c[i] >= 'A' && c[i] <= 'Z' || c[i] >= '0' && c[i] <= '9') {
		i++
	}
	typ = strings.ToLower(c[:i])
	for ; i < len(c); i++ {
		switch ch := c[i]; {
		case ch == '(' || ch == '[':
			depth++
		case ch == ')' || ch == ']':
			depth--
		case (ch == '.' || ch == '#') && depth == 0:
			j := i + 1
			for j < len(c) && (c[j] == '-' || c[j] == '_' || c[j] >= 'a' && c[j] <= 'z' || c[j] >= 'A' && c[j] <= 'Z' || c[j] >= '0' && c[j] <= '9' || c[j] >= 0x80) {
				j++
			}
			if j > i+1 {
				if ch == '.' {
					classes = append(classes, c[i:j])
				} else {
					ids = append(ids, c[i:j])
				}
			}
			i = j - 1
		}
	}
	return typ, classes, ids
}

// maxCSSDepth bounds nested @media/@supports blocks.
const maxCSSDepth = 16

// parseSheet reads the style rules of a style sheet, those inside
// conditional at-rules too; @import is refused.
func parseSheet(css string, depth int) ([]cssRule, error) {
	if depth > maxCSSDepth {
		return nil, cssError("the CSS nests at-rules more than %d deep", maxCSSDepth)
	}
	css = stripComments(css)
	var out []cssRule
	for i := 0; i < len(css); {
		for i < len(css) && strings.ContainsRune(" \t\r\n\f;", rune(css[i])) {
			i++
		}
		if i >= len(css) {
			break
		}
		open := scanTo(css, i, "{;")
		prelude := strings.TrimSpace(css[i:open])
		if open >= len(css) || css[open] == ';' {
			if at := atName(prelude); at == "import" {
				return nil, cssError("@import loads CSS that cannot be checked; put the CSS in the <style> element")
			}
			i = open + 1
			continue
		}
		end := matchBrace(css, open)
		body := css[open+1 : min(end, len(css))]
		i = end + 1
		switch at := atName(prelude); {
		case at == "":
			out = append(out, cssRule{selector: prelude, decls: parseDecls(body)})
		case at == "import":
			return nil, cssError("@import loads CSS that cannot be checked; put the CSS in the <style> element")
		case strings.HasSuffix(at, "keyframes"):
			inner, err := parseSheet(body, depth+1)
			if err != nil {
				return nil, err
			}
			for _, r := range inner {
				r.keyframes = true
				out = append(out, r)
			}
		case at == "font-face" || at == "page" || at == "counter-style" || at == "property" || at == "font-feature-values" || at == "font-palette-values":
		default: // @media, @supports, @container, @layer, @document, @scope …: their rules apply
			inner, err := parseSheet(body, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
		}
	}
	return out, nil
}

func atName(prelude string) string {
	if !strings.HasPrefix(prelude, "@") {
		return ""
	}
	n := strings.IndexAny(prelude, " \t\r\n({")
	if n < 0 {
		n = len(prelude)
	}
	name := strings.ToLower(prelude[1:n])
	if name == "" {
		name = "?"
	}
	return name
}

// parseDecls reads "prop: value; …" (properties lower-cased, !important dropped).
func parseDecls(s string) []decl {
	var out []decl
	for _, part := range splitTop(stripComments(s), ';') {
		p, v, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if i := strings.LastIndex(strings.ToLower(v), "!important"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		out = append(out, decl{prop: strings.ToLower(strings.TrimSpace(p)), value: v})
	}
	return out
}

// splitTop splits s at sep outside strings, parentheses and brackets.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// scanTo returns the index of the first byte of stops outside strings
// (len(s) when none).
func scanTo(s string, i int, stops string) int {
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case strings.IndexByte(stops, c) >= 0:
			return i
		}
	}
	return len(s)
}

// matchBrace returns the index of the } closing the { at open (len(s) when
// it is never closed: the rest is the block, as a browser reads it).
func matchBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); {
		i = scanTo(s, i, "{}")
		if i >= len(s) {
			break
		}
		if s[i] == '{' {
			depth++
		} else if depth--; depth == 0 {
			return i
		}
		i++
	}
	return len(s)
}

func stripComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		s = s[i+2+j+2:]
	}
}
