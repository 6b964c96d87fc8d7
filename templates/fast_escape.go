package templates

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template/parse"
)

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
	// A chain that ends in the HTML escaper (a URL in an attribute) appends
	// its result straight to dst rather than making a string of it.
	last := strings.Split(key, "|")
	switch last[len(last)-1] {
	case "_html_template_htmlescaper", "_html_template_attrescaper", "_html_template_rcdataescaper":
		steps = steps[:len(steps)-1]
		return func(dst []byte, s string) []byte {
			for _, st := range steps {
				s = st(s)
			}
			return appendHTMLEscaped(dst, s)
		}, nil
	}
	return func(dst []byte, s string) []byte {
		for _, st := range steps {
			s = st(s)
		}
		return append(dst, s...)
	}, nil
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

// urlKept marks the bytes processURL leaves as they are: [0] for the
// escaper, [1] for the normaliser (a '%' is not marked: the normaliser
// keeps it only before two hex digits).
var urlKept = func() (t [2][256]bool) {
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		unreserved := alnum || strings.IndexByte("-._~", byte(c)) >= 0
		t[0][c] = unreserved
		t[1][c] = unreserved || strings.IndexByte("!#$&*+,/:;=?@[]", byte(c)) >= 0
	}
	return t
}()

// processURL is html/template's URL normaliser (norm) or escaper. A URL
// it leaves as it is (a link with a token, usually) is only looked up in
// urlKept, byte by byte.
func processURL(s string, norm bool) string {
	kept := &urlKept[0]
	if norm {
		kept = &urlKept[1]
	}
	i := 0
	for i < len(s) && kept[s[i]] {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	written := 0
	for ; i < len(s); i++ {
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
