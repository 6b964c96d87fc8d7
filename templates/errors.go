package templates

import (
	"errors"
	htmltemplate "html/template"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
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
			e.Col = runeCol(src, e.Line, col) // text/template reports a 0-based byte offset
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
	e.Msg = plainMsg(e.Msg)
	return e
}

// The messages of text/template that plainMsg tells in a marketer's words.
var (
	execRE         = regexp.MustCompile(`^executing "[\w.]+" at <([^>]*)>: (?s)(.*)$`)
	unknownFieldRE = regexp.MustCompile(`^can't evaluate field (\w+) in type (\S+(?: \{\})?)$`)
	funcRE         = regexp.MustCompile(`^function "(\w+)" not defined$`)
	badCharRE      = regexp.MustCompile(`^bad character U\+[0-9A-F]+ '(.+)'$`)
	unexpectedRE   = regexp.MustCompile(`^unexpected (\{\{\w+\}\})`)
)

// plainMsg says what went wrong in a template in the words of the person
// who wrote it (the field or function they named, and the ones there are)
// instead of the template engine's ("can't evaluate field Nam in type
// templates.Contact"). A message it does not know stays as it is.
func plainMsg(msg string) string {
	msg = strings.TrimSpace(msg)
	action := ""
	if m := execRE.FindStringSubmatch(msg); m != nil {
		action, msg = m[1], m[2]
	}
	switch {
	case unknownFieldRE.MatchString(msg):
		m := unknownFieldRE.FindStringSubmatch(msg)
		if known := fieldNames[strings.TrimPrefix(m[2], "*")]; len(known) > 0 {
			return "unknown field " + m[1] + "; known: " + strings.Join(known, ", ")
		}
		parent := strings.TrimSuffix(action, "."+m[1])
		if parent == "" || parent == action {
			return "unknown field " + m[1]
		}
		return "unknown field " + m[1] + ": " + parent + " has no fields"
	case funcRE.MatchString(msg):
		return "unknown function " + funcRE.FindStringSubmatch(msg)[1] + "; known: " + strings.Join(funcNames, ", ")
	case msg == "unclosed action" || strings.HasPrefix(msg, "unclosed action "):
		return "unclosed action: a {{ has no }}"
	case msg == "unexpected EOF":
		return "unclosed action: an {{if}}, {{range}} or {{with}} has no {{end}}"
	case badCharRE.MatchString(msg):
		return "unexpected character " + badCharRE.FindStringSubmatch(msg)[1] + " inside {{ }}: is the }} missing?"
	case unexpectedRE.MatchString(msg):
		return unexpectedRE.FindStringSubmatch(msg)[1] + " closes nothing: there is no {{if}}, {{range}} or {{with}} open"
	}
	if action != "" {
		return "in {{" + action + "}}: " + msg
	}
	return msg
}

// fieldNames are the fields of each type a template reaches from Data
// (by its Go name, "templates.Contact"), in declaration order.
var fieldNames = func() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || out[t.String()] != nil {
			return
		}
		var names []string
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				names = append(names, f.Name)
				walk(f.Type)
			}
		}
		out[t.String()] = names
	}
	walk(reflect.TypeOf(Data{}))
	return out
}()

// funcNames are the functions a template may call: the product's and the
// template language's own, sorted.
var funcNames = func() []string {
	names := []string{"and", "eq", "ge", "gt", "html", "index", "js", "le", "len", "lt", "ne", "not", "or",
		"print", "printf", "println", "slice", "urlquery"}
	for name := range funcs {
		if !strings.HasPrefix(name, "_") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}()

// guessCol points at the first action on the line, for parse errors that
// carry only a line number.
func guessCol(src string, line int) int {
	lines := strings.SplitN(src, "\n", line+1)
	if line-1 >= len(lines) {
		return 0
	}
	if i := strings.Index(lines[line-1], "{{"); i >= 0 {
		return utf8.RuneCountInString(lines[line-1][:i]) + 1
	}
	return 0
}

// runeCol is the 1-based column, in characters, of the 0-based byte offset
// off in line (1-based) of src: what an editor shows for a line with é in it.
func runeCol(src string, line, off int) int {
	lines := strings.SplitN(src, "\n", line+1)
	if line < 1 || line-1 >= len(lines) {
		return off + 1
	}
	l := lines[line-1]
	if off > len(l) {
		return off + 1
	}
	return utf8.RuneCountInString(l[:off]) + 1
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
