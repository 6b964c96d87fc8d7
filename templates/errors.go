package templates

import (
	"errors"
	htmltemplate "html/template"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// posRE matches the position text/template and html/template put in their
// messages: "template: NAME:LINE:COL: msg", "html/template:NAME:LINE: msg".
var posRE = regexp.MustCompile(`^(?:html/)?template: ?([\w.]+):(\d+)(?::(\d+))?: (?s)(.*)$`)

// toError turns a parse or execution error into an *Error for part, with the
// 1-based line and column in src.
func toError(err error, part, src string) *Error {
	e := &Error{Part: part, Msg: err.Error()}
	var he *htmltemplate.Error
	if errors.As(err, &he) && he.Line > 0 && he.Node == nil {
		e.Line, e.Msg = he.Line, he.Description
	} else if m := posRE.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[2])
		if m[3] != "" {
			col, _ := strconv.Atoi(m[3])
			e.Col = col + 1 // text/template reports a 0-based byte offset
		}
		e.Msg = m[4]
		if m[1] != "subject" && m[1] != "body" && m[1] != "text" {
			// An error inside the layout or footer: not a position in src.
			e.Line, e.Col = 0, 0
		}
	}
	if e.Line > 0 && e.Col == 0 {
		e.Col = guessCol(src, e.Line)
	}
	e.Msg = strings.TrimPrefix(strings.ReplaceAll(e.Msg, `"body"`, `"`+part+`"`), "html/template:")
	return e
}

// guessCol points at the first action on the line, for parse errors that
// carry only a line number.
func guessCol(src string, line int) int {
	lines := strings.SplitN(src, "\n", line+1)
	if line-1 >= len(lines) {
		return 0
	}
	if i := strings.Index(lines[line-1], "{{"); i >= 0 {
		return i + 1
	}
	return 0
}

// unclosedLine finds where a body that does not end in plain HTML text goes
// wrong: the first line from which every prefix of the body ends inside a
// tag, attribute, comment or script (html/template's ErrEndContext).
// Returns 0 when the body alone is fine.
func unclosedLine(b *budget, body string) int {
	lines := strings.SplitAfter(body, "\n")
	bad := func(n int) bool {
		t, err := htmltemplate.New("body").Funcs(htmltemplate.FuncMap(funcs)).Funcs(htmltemplate.FuncMap(withFuncs(map[string]any{
			"house": func() Style { return Style{} }, "words": func() map[string]string { return nil },
			stepFunc: b.step,
		}, boundedFuncs(b)))).Parse(strings.Join(lines[:n], ""))
		if err != nil || b.check() != nil {
			return false
		}
		instrument(htmlTrees(t)...)
		err = t.Execute(io.Discard, Sample())
		var he *htmltemplate.Error
		return errors.As(err, &he) && he.ErrorCode == htmltemplate.ErrEndContext
	}
	if !bad(len(lines)) {
		return 0
	}
	first := len(lines)
	for n := len(lines) - 1; n >= 1 && bad(n); n-- {
		first = n
	}
	return first
}
