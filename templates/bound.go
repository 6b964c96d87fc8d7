package templates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"time"
)

// Limits on the work one template may cause. A template that exceeds them at
// Compile (rendering Sample()) is rejected with an *Error naming the part;
// at Render the message fails with the same error.
const (
	// CompileTime bounds Compile (parsing and the validating dry render).
	CompileTime = 2 * time.Second
	// RenderTime bounds one Render.
	RenderTime = time.Second
	// MaxSteps bounds the loop iterations and template calls of one render.
	MaxSteps = 100_000
	// MaxPartBytes bounds the rendered HTML and text parts, each.
	MaxPartBytes = 2 << 20
	// MaxSubjectBytes bounds the rendered subject.
	MaxSubjectBytes = 4 << 10
)

// stepFunc is the function every loop body and template starts with.
const stepFunc = "_pbstep"

var (
	errSteps = fmt.Errorf("the template does too much work: more than %d loop iterations and template calls", MaxSteps)
	errSize  = errors.New("the rendered part is too large")
)

// budgetError is a limit exceeded while rendering.
type budgetError struct{ err error }

func (e *budgetError) Error() string { return e.err.Error() }
func (e *budgetError) Unwrap() error { return e.err }

// budget is the allowance of one render (or of one Compile): steps and a
// deadline, and the caller's context. Not safe for concurrent use: each
// render has its own.
type budget struct {
	ctx      context.Context
	deadline time.Time
	limit    time.Duration
	steps    int
}

func newBudget(ctx context.Context, limit time.Duration) budget {
	return budget{ctx: ctx, deadline: time.Now().Add(limit), limit: limit}
}

// step counts one loop iteration or template call; the template's {{if}}
// around it is always false.
func (b *budget) step() (bool, error) {
	b.steps++
	if b.steps > MaxSteps {
		return false, &budgetError{errSteps}
	}
	if b.steps&255 == 0 {
		return false, b.check()
	}
	return false, nil
}

// spent reports whether the budget is used up (steps, time or context).
func (b *budget) spent() bool { return b.steps > MaxSteps || b.check() != nil }

// check reports a cancelled context or a passed deadline.
func (b *budget) check() error {
	if err := b.ctx.Err(); err != nil {
		return &budgetError{fmt.Errorf("rendering stopped: %w", err)}
	}
	if time.Now().After(b.deadline) {
		return &budgetError{fmt.Errorf("rendering takes longer than %s", b.limit)}
	}
	return nil
}

// limitWriter fails a write that would make the buffer larger than max.
type limitWriter struct {
	b   *bytes.Buffer
	max int
}

func (w limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, &budgetError{fmt.Errorf("%w (over %d bytes)", errSize, w.max)}
	}
	return w.b.Write(p)
}

// limitError turns a budget error met while rendering part into an *Error;
// nil when err is something else.
func limitError(err error, part string) *Error {
	var be *budgetError
	if errors.As(err, &be) {
		return &Error{Part: part, Msg: be.Error()}
	}
	return nil
}

// tickTree holds the node instrument inserts: {{if _pbstep}}{{end}}.
var tickTree = func() *parse.Tree {
	t := parse.New("limit")
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse("{{if "+stepFunc+"}}{{end}}", "", "", map[string]*parse.Tree{}); err != nil {
		panic(err)
	}
	return t
}()

// instrument makes every template of the trees and every {{range}} body
// start with a step, so a render can be stopped between iterations (the
// template packages have no cancellation of their own).
func instrument(trees ...*parse.Tree) {
	for _, tr := range trees {
		if tr != nil && tr.Root != nil {
			instrumentList(tr.Root, true)
		}
	}
}

func instrumentList(l *parse.ListNode, head bool) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.IfNode:
			instrumentList(n.List, false)
			instrumentList(n.ElseList, false)
		case *parse.WithNode:
			instrumentList(n.List, false)
			instrumentList(n.ElseList, false)
		case *parse.RangeNode:
			instrumentList(n.List, true)
			instrumentList(n.ElseList, false)
		}
	}
	if head {
		l.Nodes = append([]parse.Node{tickTree.Root.Nodes[0].Copy()}, l.Nodes...)
	}
}

// htmlTrees returns the parse trees of an HTML set.
func htmlTrees(t *htmltemplate.Template) []*parse.Tree {
	var out []*parse.Tree
	for _, x := range t.Templates() {
		out = append(out, x.Tree)
	}
	return out
}

// reservedHTML are the templates of the house-style layout: a body may not
// define them, or it could drop the footer.
var reservedHTML = []string{"layout", "footer", "body"}

// checkDefines rejects an HTML body that defines (or blocks) a template of
// the layout.
func checkDefines(src string) error {
	trees := map[string]*parse.Tree{}
	t := parse.New("\x00src")
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return nil // the real parse reports it with its position
	}
	for _, name := range reservedHTML {
		if tr, ok := trees[name]; ok {
			line := 1 + strings.Count(src[:min(int(tr.Root.Pos), len(src))], "\n")
			return &Error{Part: "html", Line: line, Col: guessCol(src, line),
				Msg: fmt.Sprintf("may not define %q: the layout and its footer (unsubscribe and privacy links) belong to the house style", name)}
		}
	}
	return nil
}

// footerMark starts the layout's footer element.
var footerMark = []byte("<table data-pb-footer")

// verify checks a rendered message: sizes within the limits, and the footer
// with the unsubscribe and privacy links in both parts: in the HTML after
// the last footer element, in the text after the last signature separator.
// footerAt is where the footer is expected (-1: unknown); it saves the
// backward search through the document, never changes the outcome.
func verify(p Parts, footerAt int, l *Links) error {
	switch {
	case len(p.Subject) > MaxSubjectBytes:
		return &Error{Part: "subject", Msg: fmt.Sprintf("%v (over %d bytes)", errSize, MaxSubjectBytes)}
	case len(p.HTML) > MaxPartBytes:
		return &Error{Part: "html", Msg: fmt.Sprintf("%v (over %d bytes)", errSize, MaxPartBytes)}
	case len(p.Text) > MaxPartBytes:
		return &Error{Part: "text", Msg: fmt.Sprintf("%v (over %d bytes)", errSize, MaxPartBytes)}
	}
	const lacks = "the rendered message lacks the footer with the unsubscribe and privacy links; a template may not remove or replace it"
	i := lastIndexAt(p.HTML, footerMark, footerAt)
	if i < 0 {
		return &Error{Part: "html", Msg: lacks}
	}
	j := -2 // the text's footer, found on first use
	var href [256]byte
	for _, u := range []string{l.Unsubscribe, l.Privacy} {
		if u == "" {
			continue
		}
		attr := append(append(append(href[:0], `href="`...), htmltemplate.HTMLEscapeString(u)...), '"')
		if !bytes.Contains(p.HTML[i:], attr) {
			return &Error{Part: "html", Msg: lacks}
		}
		if j == -2 {
			j = lastLineIndex(p.Text, "-- ")
		}
		if j < 0 || !bytes.Contains(p.Text[j:], []byte(u)) {
			return &Error{Part: "text", Msg: lacks}
		}
	}
	return nil
}

// lastLineIndex is bytes.LastIndex(b, "\n"+line+"\n"): it steps back from
// line end to line end (the signature separator is near the end of the
// text; a backward substring search costs more than the whole walk).
func lastLineIndex(b []byte, line string) int {
	for end := len(b); ; {
		j := bytes.LastIndexByte(b[:end], '\n')
		if j < 0 {
			return -1
		}
		if k := j - len(line) - 1; k >= 0 && b[k] == '\n' && string(b[k+1:j]) == line {
			return k
		}
		end = j
	}
}

// lastIndexAt is bytes.LastIndex(b, sep) when the caller expects sep at
// at: if it is there and nowhere after it (a forward search of the bytes
// after it, much cheaper than searching backwards through the document),
// the answer is at; otherwise the full backward search decides.
func lastIndexAt(b, sep []byte, at int) int {
	if at >= 0 && at+len(sep) <= len(b) && bytes.Equal(b[at:at+len(sep)], sep) && bytes.Index(b[at+1:], sep) < 0 {
		return at
	}
	return bytes.LastIndex(b, sep)
}

// errValueSize is a template function asked for a value larger than a part.
var errValueSize = fmt.Errorf("a value in the template would be larger than %d bytes", MaxPartBytes)

// boundedFuncs are the template functions that build strings (the
// built-ins printf, print, println, html, js and urlquery, and upper and
// lower), each refusing a value larger than MaxPartBytes before it is
// built: a width ({{printf "%0999999d" 1}}), a repeated argument or a
// nested escaper ({{js (js ...)}} doubles backslashes) would otherwise
// build gigabytes in one action, between two checks of the budget. With b
// (a render), each call also checks b's deadline and context, so a body
// of many such calls stops in time; without b (parsing, and the fast
// path's pipelines, which run a template that compiled within its budget)
// only the size holds.
func boundedFuncs(b *budget) map[string]any {
	check := func() error {
		if b != nil {
			return b.check()
		}
		return nil
	}
	// escaper wraps a built-in of text/template that joins its arguments.
	escaper := func(fn func(...any) string) func(...any) (string, error) {
		return func(args ...any) (string, error) {
			if err := check(); err != nil {
				return "", err
			}
			if n, _ := argSizes(args); n > MaxPartBytes {
				return "", &budgetError{errValueSize}
			}
			return boundedValue(fn(args...))
		}
	}
	casing := func(fn func(string) string) func(any) (string, error) {
		return func(v any) (string, error) {
			if err := check(); err != nil {
				return "", err
			}
			s := fmt.Sprint(deref(v))
			if len(s) > MaxPartBytes {
				return "", &budgetError{errValueSize}
			}
			return boundedValue(fn(s))
		}
	}
	return map[string]any{
		"printf": func(format string, args ...any) (string, error) {
			if err := check(); err != nil {
				return "", err
			}
			if printfSize(format, args) > MaxPartBytes {
				return "", &budgetError{errValueSize}
			}
			return boundedValue(fmt.Sprintf(format, args...))
		},
		"print":    escaper(fmt.Sprint),
		"println":  escaper(fmt.Sprintln),
		"html":     escaper(texttemplate.HTMLEscaper),
		"js":       escaper(texttemplate.JSEscaper),
		"urlquery": escaper(texttemplate.URLQueryEscaper),
		"upper":    casing(strings.ToUpper),
		"lower":    casing(strings.ToLower),
	}
}

func boundedValue(s string) (string, error) {
	if len(s) > MaxPartBytes {
		return "", &budgetError{errValueSize}
	}
	return s, nil
}

// argSizes returns the total and the largest printed size of args.
func argSizes(args []any) (total, largest int) {
	for _, a := range args {
		var n int
		switch a := a.(type) {
		case string:
			n = len(a)
		case []byte:
			n = len(a)
		default:
			n = len(fmt.Sprint(a))
		}
		total += n
		largest = max(largest, n)
	}
	return total, largest
}

// printfSize is at least the size of fmt.Sprintf(format, args...): the
// format, every width and precision, and for each verb the largest
// argument (an argument index can print one argument many times). A '*'
// width or precision counts every integer argument.
func printfSize(format string, args []any) int {
	_, largest := argSizes(args)
	size, verbs, star := len(format), 0, false
	num := func(i int) (int, int) {
		n := 0
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			n = min(n*10+int(format[i]-'0'), 1<<30)
			i++
		}
		return n, i
	}
	index := func(i int) int {
		if i < len(format) && format[i] == '[' {
			if j := strings.IndexByte(format[i:], ']'); j >= 0 {
				return i + j + 1
			}
		}
		return i
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		i = index(i)
		var n int
		if i < len(format) && format[i] == '*' {
			star, i = true, i+1
		} else {
			n, i = num(i)
			size += n
		}
		if i < len(format) && format[i] == '.' {
			i = index(i + 1)
			if i < len(format) && format[i] == '*' {
				star, i = true, i+1
			} else {
				n, i = num(i)
				size += n
			}
		}
		i = index(i)
		if i < len(format) && format[i] != '%' {
			verbs++
		}
		size = min(size, 1<<40)
	}
	if star {
		for _, a := range args {
			if n, ok := a.(int); ok {
				size += min(max(n, -n), 1<<30)
			}
		}
	}
	return size + min(verbs, 1<<20)*largest
}
