package templates

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// The plain-text alternative is made from the HTML: paragraphs and blocks
// become blank-line separated, <br> a line break, list items "- " or "1. ",
// links "text (url)", headings and table cells plain text; <head>, <style>
// and <script> are dropped, and so is the HTML footer (the text part gets its
// own).
//
// To keep Render fast the conversion runs once, at Compile, on the template
// source: every {{action}} is masked by a placeholder, the HTML is converted,
// and the actions are put back, giving a text/template. Actions inside
// dropped markup (attributes other than href, <style>) are dropped whole;
// html/template guarantees an {{if}} and its {{end}} share one context, so
// what remains stays balanced. When the result does not parse, Render
// converts each rendered message instead.

const (
	phOpen  = "\uE000"
	phClose = "\uE001"
	// footerAttr marks the HTML footer so the converter skips it.
	footerAttr = "data-pb-footer"
)

// htmlSourceToText converts an HTML template source into a text template source.
func htmlSourceToText(src string) (string, bool) {
	masked, actions, ok := maskActions(src)
	if !ok {
		return "", false
	}
	out := htmlToText(masked)
	out = strings.ReplaceAll(out, "{{", `{{"{{"}}`)
	var b strings.Builder
	for {
		i := strings.Index(out, phOpen)
		if i < 0 {
			b.WriteString(out)
			break
		}
		j := strings.Index(out[i:], phClose)
		if j < 0 {
			return "", false
		}
		n, err := strconv.Atoi(out[i+len(phOpen)+1 : i+j])
		if err != nil || n >= len(actions) {
			return "", false
		}
		b.WriteString(out[:i])
		b.WriteString(untrim(actions[n]))
		out = out[i+j+len(phClose):]
	}
	return b.String(), true
}

// untrim drops trim markers ("{{- " and " -}}"): they shape HTML whitespace,
// and in the text they would eat the converted line breaks.
func untrim(a string) string {
	if strings.HasPrefix(a, "{{- ") {
		a = "{{" + a[3:]
	}
	if strings.HasSuffix(a, " -}}") {
		a = a[:len(a)-4] + " }}"
	}
	return a
}

// maskActions replaces every {{...}} by a placeholder and returns the actions.
func maskActions(src string) (string, []string, bool) {
	var b strings.Builder
	var actions []string
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			b.WriteString(src)
			return b.String(), actions, true
		}
		j := actionEnd(src[i:])
		if j < 0 {
			return "", nil, false
		}
		b.WriteString(src[:i])
		b.WriteString(phOpen + actionKind(src[i:i+j]) + strconv.Itoa(len(actions)) + phClose)
		actions = append(actions, src[i:i+j])
		src = src[i+j:]
	}
}

// actionKind classifies an action for the converter: "o" opens or switches
// a branch (if, range, with, else, block, define): pending line breaks go
// before it; "c" ends one or outputs nothing (end, comments, variable
// assignments): it sticks to the text before it; "t" prints text.
func actionKind(a string) string {
	a = strings.TrimPrefix(strings.TrimPrefix(a, "{{"), "-")
	a = strings.TrimSpace(a)
	word, _, _ := strings.Cut(a, " ")
	switch {
	case word == "if" || word == "range" || word == "with" || word == "else" || word == "block" || word == "define":
		return "o"
	case word == "end" || word == "end}}" || word == "end-}}" || strings.HasPrefix(a, "/*"):
		return "c"
	case strings.HasPrefix(word, "$") && (strings.Contains(a, ":=") || strings.Contains(a, " = ")):
		return "c"
	}
	return "t"
}

// actionEnd returns the length of the action at the start of s, skipping
// quoted strings and comments.
func actionEnd(s string) int {
	if strings.HasPrefix(s, "{{/*") || strings.HasPrefix(s, "{{- /*") {
		k := strings.Index(s, "*/")
		if k < 0 {
			return -1
		}
		e := strings.Index(s[k:], "}}")
		if e < 0 {
			return -1
		}
		return k + e + 2
	}
	var quote byte
	for i := 2; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '`' || c == '\'':
			quote = c
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			return i + 2
		}
	}
	return -1
}

// converter turns HTML into plain text.
type converter struct {
	b         strings.Builder
	nl        int  // line breaks owed before the next text
	space     bool // a space owed before the next text
	skip      int  // depth inside dropped elements
	skipTag   string
	skipDepth int
	pre       int
	links     []link
	lists     []list
}

type link struct {
	href  string
	start int
}

type list struct {
	ordered bool
	inItem  bool
	n       int
}

var blockTags = map[string]int{
	"p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2, "table": 2, "blockquote": 2,
	"ul": 2, "ol": 2, "pre": 2, "hr": 2, "div": 1, "tr": 1, "section": 1, "article": 1,
	"header": 1, "footer": 1, "center": 1, "dl": 1, "dt": 1, "dd": 1, "address": 1,
}

var dropTags = map[string]bool{"head": true, "style": true, "script": true, "title": true, "noscript": true}

// htmlToText converts an HTML document or fragment to plain text.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	c := &converter{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		if c.skipTag != "" {
			c.skipping(tt, tok)
			continue
		}
		switch tt {
		case html.TextToken:
			if c.skip == 0 {
				c.text(tok.Data)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			c.start(tok, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			c.end(tok.Data)
		}
	}
	return finish(c.b.String())
}

func (c *converter) skipping(tt html.TokenType, tok html.Token) {
	if tok.Data != c.skipTag {
		return
	}
	switch tt {
	case html.StartTagToken:
		c.skipDepth++
	case html.EndTagToken:
		c.skipDepth--
		if c.skipDepth == 0 {
			c.skipTag = ""
		}
	}
}

func (c *converter) start(tok html.Token, selfClosing bool) {
	name := tok.Data
	if dropTags[name] && !selfClosing {
		c.skip++
		return
	}
	for _, a := range tok.Attr {
		if a.Key == footerAttr && !selfClosing {
			c.skipTag, c.skipDepth = name, 1
			return
		}
	}
	switch name {
	case "br":
		c.b.WriteString("\n")
		c.nl, c.space = 0, false
	case "hr":
		c.block(2)
		c.b.WriteString("----------")
		c.nl = 2
	case "a":
		c.links = append(c.links, link{href: attr(tok, "href"), start: c.b.Len()})
	case "img":
		if len(c.links) > 0 && c.b.Len() == c.links[len(c.links)-1].start {
			if alt := attr(tok, "alt"); alt != "" {
				c.text(alt)
			}
		}
	case "ul", "ol":
		c.block(blockTags[name])
		c.lists = append(c.lists, list{ordered: name == "ol"})
	case "li":
		c.liStart()
		if n := len(c.lists); n > 0 {
			c.lists[n-1].inItem = true
		}
	case "td", "th":
		c.space = c.b.Len() > 0 && c.nl == 0
	case "pre":
		c.block(2)
		c.pre++
	default:
		if n := blockTags[name]; n > 0 {
			c.block(n)
		}
	}
}

func (c *converter) liStart() {
	c.block(1)
	c.flushBreaks()
	depth := len(c.lists)
	if depth > 1 {
		c.b.WriteString(strings.Repeat("  ", depth-1))
	}
	if depth > 0 && c.lists[depth-1].ordered {
		c.lists[depth-1].n++
		c.b.WriteString(strconv.Itoa(c.lists[depth-1].n) + ". ")
	} else {
		c.b.WriteString("- ")
	}
	c.space = false
}

func (c *converter) end(name string) {
	if dropTags[name] {
		if c.skip > 0 {
			c.skip--
		}
		return
	}
	switch name {
	case "a":
		c.endLink()
	case "ul", "ol":
		if len(c.lists) > 0 {
			c.lists = c.lists[:len(c.lists)-1]
		}
		c.block(2)
	case "li":
		c.block(1)
		if n := len(c.lists); n > 0 {
			c.lists[n-1].inItem = false
		}
	case "pre":
		if c.pre > 0 {
			c.pre--
		}
		c.block(2)
	default:
		if n := blockTags[name]; n > 0 {
			c.block(n)
		}
	}
}

func (c *converter) endLink() {
	if len(c.links) == 0 {
		return
	}
	l := c.links[len(c.links)-1]
	c.links = c.links[:len(c.links)-1]
	href := strings.TrimSpace(l.href)
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return
	}
	text := strings.TrimSpace(c.b.String()[min(l.start, c.b.Len()):])
	shown := strings.TrimPrefix(href, "mailto:")
	switch {
	case text == "":
		c.text(shown)
	case text == href || text == shown:
	default:
		c.b.WriteString(" (" + shown + ")")
	}
}

// block asks for n line breaks before the next text.
func (c *converter) block(n int) {
	if c.b.Len() > 0 && n > c.nl {
		c.nl = n
	}
	c.space = false
}

func (c *converter) flushBreaks() {
	if c.nl > 0 && c.b.Len() > 0 {
		c.b.WriteString("\n\n"[:min(c.nl, 2)])
	}
	c.nl = 0
}

// text writes a text token; "o" and "c" placeholders in it are placed as
// actionKind describes.
func (c *converter) text(s string) {
	for {
		i := nextControl(s)
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], phClose)
		if j < 0 {
			break
		}
		c.words(s[:i])
		ph := s[i : i+j+len(phClose)]
		if ph[len(phOpen)] == 'o' {
			c.flushBreaks()
			if n := len(c.lists); n > 0 && !c.lists[n-1].inItem {
				c.lists[n-1].ordered = false // items repeat: numbers would too
			}
		}
		c.b.WriteString(ph)
		c.space = false
		s = s[i+j+len(phClose):]
	}
	c.words(s)
}

// nextControl finds the first "o" or "c" placeholder in s.
func nextControl(s string) int {
	off := 0
	for {
		i := strings.Index(s[off:], phOpen)
		if i < 0 || off+i+len(phOpen) >= len(s) {
			return -1
		}
		if k := s[off+i+len(phOpen)]; k == 'o' || k == 'c' {
			return off + i
		}
		off += i + len(phOpen)
	}
}

func (c *converter) words(s string) {
	if c.pre > 0 {
		c.flushBreaks()
		c.b.WriteString(s)
		return
	}
	for i, f := range strings.Fields(s) {
		if i == 0 {
			if isSpace(s[0]) && c.nl == 0 && c.b.Len() > 0 {
				c.space = true
			}
			if c.nl > 0 {
				c.flushBreaks()
				c.space = false
			}
		}
		if c.space || i > 0 {
			if n := c.b.Len(); n > 0 && !isSpace(c.b.String()[n-1]) {
				c.b.WriteByte(' ')
			}
		}
		c.b.WriteString(f)
		c.space = false
	}
	if s != "" && isSpace(s[len(s)-1]) {
		c.space = true
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// finish trims trailing spaces on each line and ends with one newline.
func finish(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = strings.TrimSpace(strings.Join(lines, "\n"))
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return s + "\n"
}
