package templates

import (
	"strings"

	"golang.org/x/net/html"
)

// layoutFrame is the chain of elements the house-style layout puts around
// its footer, innermost first; a complete document puts it straight into
// <body>.
var (
	layoutFrame  = []string{"td", "tr", "tbody", "table", "body", "html"}
	documentFrom = []string{"body", "html"}
)

// checkFooter parses a rendered HTML part as a browser does and checks the
// footer is in its place (checkFooterPlace) and no CSS can hide it
// (checkFooterCSS).
func checkFooter(doc string, fullDoc bool) error {
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return &Error{Part: "html", Msg: "the rendered HTML cannot be parsed"}
	}
	if err := checkFooterPlace(root, fullDoc); err != nil {
		return err
	}
	return checkFooterCSS(root, fullDoc)
}

// checkFooterPlace checks in a parsed HTML part
// the footer is an element in its place: not swallowed by an element the
// body leaves open (a hidden <div>, <template>, <noscript>), and not turned
// into text (<plaintext>, <xmp>, <iframe>). The links being in the markup
// is not enough: they must be shown.
func checkFooterPlace(root *html.Node, fullDoc bool) error {
	want := layoutFrame
	if fullDoc {
		want = documentFrom
	}
	f := findFooter(root)
	var got []string
	for n := f; n != nil && f != nil; n = n.Parent {
		if n.Type == html.ElementNode && n != f {
			got = append(got, n.Data)
		}
	}
	if f == nil || strings.Join(got, ">") != strings.Join(want, ">") {
		return &Error{Part: "html", Msg: "the footer with the unsubscribe and privacy links would be hidden: close every element the body opens " +
			"(and use no <template>, <noscript>, <plaintext>, <xmp>, <iframe>, <noembed> or <noframes> left open)"}
	}
	return nil
}

// findFooter returns the last element marked as the footer, or nil.
func findFooter(n *html.Node) *html.Node {
	var found *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "table" {
			for _, a := range c.Attr {
				if a.Key == footerAttr {
					found = c
				}
			}
		}
		if f := findFooter(c); f != nil {
			found = f
		}
	}
	return found
}
