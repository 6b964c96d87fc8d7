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

	"github.com/postbode/postbode/internal/plural"
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

// The messages of text/template and html/template that plainMsg tells in
// a marketer's words.
var (
	execRE         = regexp.MustCompile(`^executing "[\w.]+" at <([^>]*)>: (?s)(.*)$`)
	unknownFieldRE = regexp.MustCompile(`^can't evaluate field (\w+) in type (\S+(?: \{\})?)$`)
	funcRE         = regexp.MustCompile(`^function "(\w+)" not defined$`)
	badCharRE      = regexp.MustCompile(`^bad character U\+[0-9A-F]+ '(.+)'$`)
	unexpectedRE   = regexp.MustCompile(`^unexpected (\{\{\w+\}\})`)
	callRE         = regexp.MustCompile(`^error calling (\w+): (?s)(.*)$`)
	goTypeRE       = regexp.MustCompile(`\*?templates\.(\w+)`)
)

// rule rewrites one message of the template engine: re matches it (after
// "executing ... at <action>:" is taken off), say tells it with the
// submatches and the action the error happened in ("" when none).
type rule struct {
	re  *regexp.Regexp
	say func(m []string, action string) string
}

// rules are the engine's messages plainMsg knows, beyond the unknown field
// and function (which list the ones there are). Each says what is wrong
// in the template's own terms ({{if}}, a field, a value), never the Go
// type or the sample contact's data the check ran with.
var rules = []rule{
	{regexp.MustCompile(`^unclosed action(?: .*)?$`), say("unclosed action: a {{ has no }}")},
	{regexp.MustCompile(`^unexpected EOF$`), say("unclosed action: an {{if}}, {{range}} or {{with}} has no {{end}}")},
	{badCharRE, func(m []string, _ string) string {
		return "unexpected character " + m[1] + " inside {{ }}: is the }} missing?"
	}},
	{unexpectedRE, func(m []string, _ string) string {
		return m[1] + " closes nothing: there is no {{if}}, {{range}} or {{with}} open"
	}},
	{regexp.MustCompile(`^wrong number of args for (\w+): want (at least )?(\d+) got (\d+)$`), func(m []string, _ string) string {
		want, _ := strconv.Atoi(m[3])
		got, _ := strconv.Atoi(m[4])
		return plural.Sprintf("%s needs %s%d {value|values}, not %d", m[1], m[2], want, got)
	}},
	{regexp.MustCompile(`^range can't iterate over `), func(_ []string, action string) string {
		if action == "" {
			return "{{range}} can only go through a list or the attributes"
		}
		return "{{range}} can only go through a list or the attributes, and " + action + " is neither"
	}},
	{regexp.MustCompile(`^(?:(\w+) has arguments but cannot be invoked as function|(\w+) is not a method but has arguments)$`), func(m []string, _ string) string {
		return "nothing may follow the field " + m[1] + m[2] + ": it is a field, not a function"
	}},
	{regexp.MustCompile(`^can't give argument to non-function (.+)$`), func(m []string, _ string) string {
		return "nothing may follow " + m[1] + ": it is not a function"
	}},
	{callRE, func(m []string, _ string) string { return callMsg(m[1], m[2]) }},
	{regexp.MustCompile(`^missing value for command$`), say("an empty {{ }}: put a field or a value in it")},
	{regexp.MustCompile(`^missing value for (\w+)$`), func(m []string, _ string) string {
		return "{{" + m[1] + "}} needs a value after it"
	}},
	{regexp.MustCompile(`^unexpected right paren`), say("a ) has no ( before it")},
	{regexp.MustCompile(`^unclosed left paren$`), say("a ( has no ) after it")},
	{regexp.MustCompile(`^unterminated (?:raw )?quoted string$`), say("a quoted text has no closing quote")},
	{regexp.MustCompile(`^unterminated character constant$`), say("a quoted character has no closing quote")},
	{regexp.MustCompile(`^unclosed comment$`), say("a comment {{/* has no */}}")},
	{regexp.MustCompile(`^unexpected (?:<(.+)>|"(.+)"|(\S+)) in (?:operand|command|input)$`), func(m []string, _ string) string {
		return "unexpected " + m[1] + m[2] + m[3] + " inside {{ }}"
	}},
	{regexp.MustCompile(`^(\S+) is not a command$`), func(m []string, _ string) string {
		return m[1] + " cannot stand on its own inside {{ }}"
	}},
	{regexp.MustCompile(`^no such template "(.+)"$`), func(m []string, _ string) string {
		return "there is no block named \"" + m[1] + "\": make it first with {{define \"" + m[1] + "\"}}...{{end}}"
	}},
	{regexp.MustCompile(`^undefined variable "(.+)"$`), func(m []string, _ string) string {
		return "the variable " + m[1] + " is used before it is set: set it first with {{" + m[1] + " := ...}}"
	}},
	{regexp.MustCompile(`^\{\{(\w+)\}\} branches end in different contexts`), func(m []string, _ string) string {
		return "the branches of {{" + m[1] + "}} end in different places of the HTML (one inside a tag, attribute or quote): close each tag and quote within each branch"
	}},
	{regexp.MustCompile(`^on range loop re-entry`), say("{{range}} ends a round in another place of the HTML than it started (inside a tag, attribute or quote): close each tag and quote within the {{range}}")},
}

// say is a rule's text that takes nothing from the message.
func say(text string) func([]string, string) string {
	return func([]string, string) string { return text }
}

// The messages of the functions a template calls (error calling F: ...).
var (
	lenRE     = regexp.MustCompile(`^len of type (.+)$`)
	compareRE = regexp.MustCompile(`^incompatible types for comparison(?:: (.+) and (.+))?$`)
	indexRE   = regexp.MustCompile(`^can't index item of type (.+)$`)
	keyRE     = regexp.MustCompile(`^value has type (.+); should be (.+)$`)
	rangeRE   = regexp.MustCompile(`^(?:index out of range|invalid slice index): (-?\d+)(?: > (-?\d+))?$`)
	nonFuncRE = regexp.MustCompile(`^non-function (\S+) of type .+$`)
)

// callMsg tells the error of a call of fn in plain words.
func callMsg(fn, msg string) string {
	switch m := []string(nil); {
	case lenRE.MatchString(msg):
		return "len cannot count " + kind(lenRE.FindStringSubmatch(msg)[1])
	case compareRE.MatchString(msg):
		if m = compareRE.FindStringSubmatch(msg); m[1] != "" {
			return fn + " cannot compare " + kind(m[1]) + " with " + kind(m[2])
		}
		return fn + " cannot compare these values"
	case msg == "invalid type for comparison":
		return fn + " cannot compare these values"
	case indexRE.MatchString(msg):
		return fn + " cannot take an item from " + kind(indexRE.FindStringSubmatch(msg)[1])
	case keyRE.MatchString(msg):
		m = keyRE.FindStringSubmatch(msg)
		return fn + " needs " + kind(m[2]) + " to pick an item with, not " + kind(m[1])
	case rangeRE.MatchString(msg):
		return fn + ": there is no such position (" + strings.Join(slices.DeleteFunc(rangeRE.FindStringSubmatch(msg)[1:], func(s string) bool { return s == "" }), " > ") + ")"
	case nonFuncRE.MatchString(msg):
		return fn + ": " + nonFuncRE.FindStringSubmatch(msg)[1] + " is not a function"
	}
	return fn + ": " + msg
}

// kind names a Go type as a marketer knows the value: a number, a text,
// .Links.
func kind(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint") || strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "a text"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "map["):
		return "the attributes"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case goType == "templates.Data":
		return "the data"
	case goTypeRE.MatchString(goType):
		return "." + goTypeRE.FindStringSubmatch(goType)[1]
	}
	return "this value"
}

// plainMsg says what went wrong in a template in the words of the person
// who wrote it (the field or function they named, and the ones there are)
// instead of the template engine's ("can't evaluate field Nam in type
// templates.Contact"). A message it does not know keeps its text, with
// the engine's type names (templates.Links) as the template writes them
// (.Links).
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
	}
	for _, r := range rules {
		if m := r.re.FindStringSubmatch(msg); m != nil {
			return r.say(m, action)
		}
	}
	msg = goTypeRE.ReplaceAllString(msg, ".$1")
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
