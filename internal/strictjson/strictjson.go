// Package strictjson decodes JSON the way the product's inputs need it:
// object keys matched to struct fields exactly (encoding/json ignores case,
// so "EMAIL" would fill email), unknown fields refused, one value only, and
// every string storable text (no NUL, valid UTF-8; see errs.TextProblem).
// The API's request bodies and the NDJSON import both decode through it.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postbode/postbode/internal/errs"
)

// MaxDepth is how deep objects and arrays may nest. No input of the
// product nests more than a few levels; a body nested deeper is refused
// before its walk costs more than a short one (encoding/json alone allows
// 10,000 levels, and a field path per level grows with the depth).
const MaxDepth = 32

// ErrTrailing is returned when data holds more than one JSON value.
var ErrTrailing = errors.New("strictjson: more than one JSON value")

// TimeMessage says what a time field takes.
const TimeMessage = "must be a time like 2026-03-01T09:00:00Z (RFC 3339, with a time zone)"

var timeType = reflect.TypeFor[time.Time]()

// Decode decodes data, one JSON value, into v. A field problem comes back as
// an *errs.Error naming the field (code unknown_field or invalid_field);
// syntax and type errors are encoding/json's, for the caller to word.
func Decode(data []byte, v any) error {
	return decode(data, v, false)
}

func decode(data []byte, v any, patch bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		// encoding/json reports a bad time without its field (and with
		// the string still escaped, see go.dev/issue/47353): the walk
		// names the field of the first problem it finds.
		if ferr := check(data, reflect.TypeOf(v), patch); ferr != nil {
			return ferr
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrTrailing
	}
	return check(data, reflect.TypeOf(v), patch)
}

// check walks a JSON value beside the Go type it decodes into and returns
// the first problem encoding/json lets through: an object key that is not a
// field's exact name (unknown, or matching only when case is ignored), a
// string (value or key, at any depth) that is not storable text, and a time
// field that does not hold an RFC 3339 time.
// encoding/json decodes "\u0000" to a NUL and replaces bytes that are not
// UTF-8, so both are checked on the raw bytes.
// With patch, a null for a plain pointer field is refused too (see
// DecodePatch).
func check(body []byte, t reflect.Type, patch bool) error {
	w := &jsonWalker{dec: json.NewDecoder(bytes.NewReader(body)), body: body, patch: patch}
	w.dec.UseNumber() // a number too large for its field is named (numberError)
	err := w.value(t, "")
	if err == errStopWalk {
		return nil
	}
	return err
}

type jsonWalker struct {
	dec   *json.Decoder
	body  []byte
	patch bool
	depth int // objects and arrays open around the current value
}

// errStopWalk ends the walk at malformed JSON (which Decode has refused).
var errStopWalk = errors.New("strictjson: malformed JSON")

// token reads the next token and the raw bytes it came from (with any
// separator before it).
func (w *jsonWalker) token() (json.Token, []byte, error) {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return nil, nil, errStopWalk
	}
	return tok, w.body[start:w.dec.InputOffset()], nil
}

func (w *jsonWalker) value(t reflect.Type, path string) error {
	tok, raw, err := w.token()
	if err != nil {
		return err
	}
	if e := fieldElem(t); e != nil {
		t = e // a Field[T] holds null or a T
	} else if tok == nil && w.patch && t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map) {
		if path == "" {
			path = "body"
		}
		return &errs.Error{Kind: errs.KindInvalid, Code: "invalid_field", Field: path,
			Message: "cannot be cleared (null); leave the field out to keep its value"}
	}
	if deref(t) == timeType && tok != nil {
		if err := timeError(path, tok, raw); err != nil {
			return err
		}
	}
	switch v := tok.(type) {
	case json.Delim:
		if w.depth++; w.depth > MaxDepth {
			if path == "" {
				path = "body"
			}
			return errs.Invalidf(path, "is nested more than %d levels deep", MaxDepth)
		}
		defer func() { w.depth-- }()
		if v == '{' {
			return w.object(t, path)
		}
		return w.array(elemType(t), path)
	case string:
		return textError(path, raw, v)
	case json.Number:
		return numberError(path, t, v)
	}
	return nil
}

// NumberRangeMessage says a number does not fit the field it is for.
const NumberRangeMessage = "is a number too large to store"

// numberError reports a number too large for the field it decodes into
// (1e400 for a float64 or a free value, 300 for an int8), naming the field
// or the key it sits under ("attributes.size"): encoding/json reports it
// on the field that holds the map, "attributes", without the key. A number
// of the wrong form (1.5 for a whole number) is left to encoding/json.
func numberError(path string, t reflect.Type, n json.Number) error {
	if path == "" {
		path = "body"
	}
	var err error
	switch t = deref(t); {
	case t == nil || t.Kind() == reflect.Interface || t.Kind() == reflect.Float64:
		_, err = strconv.ParseFloat(string(n), 64)
	case t.Kind() == reflect.Float32:
		_, err = strconv.ParseFloat(string(n), 32)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		_, err = strconv.ParseInt(string(n), 10, t.Bits())
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr:
		_, err = strconv.ParseUint(string(n), 10, t.Bits())
	}
	if errors.Is(err, strconv.ErrRange) {
		return errs.Invalid(path, NumberRangeMessage)
	}
	return nil
}

func (w *jsonWalker) object(t reflect.Type, path string) error {
	fields := fieldsOf(t)
	seen := map[string]bool{}
	for w.dec.More() {
		tok, raw, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		name := joinPath(path, errs.Printable(key))
		if err := textError(name, raw, key); err != nil {
			return err
		}
		if seen[key] {
			// encoding/json keeps the last, another reader the first.
			return errs.Invalid(name, "is given more than once")
		}
		seen[key] = true
		ft, err := fields.lookup(key, name)
		if err != nil {
			return err
		}
		if err := w.value(ft, name); err != nil {
			return err
		}
	}
	_, _, err := w.token() // the closing brace
	return err
}

func (w *jsonWalker) array(elem reflect.Type, path string) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	_, _, err := w.token() // the closing bracket
	return err
}

// textError reports a string whose raw bytes are not UTF-8 or whose decoded
// text holds a NUL.
func textError(field string, raw []byte, decoded string) error {
	if field == "" {
		field = "body"
	}
	if p := errs.TextProblem(string(raw)); p != "" {
		return errs.Invalid(field, p)
	}
	if p := errs.TextProblem(decoded); p != "" {
		return errs.Invalid(field, p)
	}
	if strings.Count(decoded, "\ufffd") > strings.Count(string(raw), "\ufffd")+strings.Count(strings.ToLower(string(raw)), `\ufffd`) {
		// encoding/json turns an unpaired surrogate escape (\ud800) into U+FFFD.
		return errs.Invalid(field, "holds an unpaired UTF-16 surrogate escape")
	}
	return nil
}

// timeError reports a time field's value that is not a string holding an
// RFC 3339 time, as time.Time's own decoding reads it.
func timeError(path string, tok json.Token, raw []byte) error {
	if path == "" {
		path = "body"
	}
	s, ok := tok.(string)
	if !ok {
		kind := "a number"
		switch v := tok.(type) {
		case bool:
			kind = "true or false"
		case json.Delim:
			kind = ValueKind(map[json.Delim]string{'{': "object", '[': "array"}[v])
		}
		return errs.Invalid(path, TimeMessage+", not "+kind)
	}
	if textError(path, raw, s) != nil {
		return nil // the text check words it
	}
	if new(time.Time).UnmarshalText([]byte(s)) != nil {
		return errs.Invalid(path, TimeMessage)
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldSet is what an object may hold: named struct fields (matched
// exactly), or any key (maps, interfaces, types with their own decoding).
type fieldSet struct {
	anyKey bool
	elem   reflect.Type // for anyKey: the type of every value (nil: any)
	names  map[string]reflect.Type
}

func (f fieldSet) lookup(key, name string) (reflect.Type, error) {
	if f.anyKey {
		return f.elem, nil
	}
	if t, ok := f.names[key]; ok {
		return t, nil
	}
	msg := "unknown field"
	for n := range f.names {
		if strings.EqualFold(n, key) {
			msg = "unknown field (field names are case-sensitive: did you mean " + strconv.Quote(n) + "?)"
		}
	}
	return nil, &errs.Error{Kind: errs.KindInvalid, Code: "unknown_field", Field: name, Message: msg}
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	fieldCache      sync.Map // reflect.Type → fieldSet
)

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// ownDecoding reports a type that decodes itself: its keys are its business.
func ownDecoding(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler)
}

func elemType(t reflect.Type) reflect.Type {
	t = deref(t)
	if t == nil || ownDecoding(t) || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
		return nil
	}
	return t.Elem()
}

func fieldsOf(t reflect.Type) fieldSet {
	t = deref(t)
	switch {
	case t == nil || ownDecoding(t):
		return fieldSet{anyKey: true}
	case t.Kind() == reflect.Map:
		return fieldSet{anyKey: true, elem: t.Elem()}
	case t.Kind() != reflect.Struct:
		return fieldSet{anyKey: true}
	}
	if f, ok := fieldCache.Load(t); ok {
		return f.(fieldSet)
	}
	f := fieldSet{names: map[string]reflect.Type{}}
	addFields(f.names, t)
	fieldCache.Store(t, f)
	return f
}

// addFields adds the JSON names of t's fields, following encoding/json:
// a tag's name, else the Go name; "-" skipped; untagged embedded structs
// promote their fields.
func addFields(names map[string]reflect.Type, t reflect.Type) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			if et := deref(sf.Type); et.Kind() == reflect.Struct {
				addFields(names, et)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, taken := names[name]; !taken {
			names[name] = sf.Type
		}
	}
}

// Kind names the JSON value that decodes into t, for error messages: "an
// object", "an array", "a string", "a number", "true or false", or "a JSON
// value". A type that decodes itself from text (an address, a time) takes
// a string. Go type names never reach the caller.
func Kind(t reflect.Type) string {
	t = deref(t)
	if t == nil {
		return "a JSON value"
	}
	if f := fieldElem(t); f != nil && f != t {
		return Kind(f)
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a string"
		}
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a JSON value"
}

// TypeProblem words a value of the wrong JSON type (a
// *json.UnmarshalTypeError in err): the field's path ("" for the whole
// value) and "must be a string, not a number"; ok is false for any other
// error. Go type names never reach the caller.
func TypeProblem(err error) (field, msg string, ok bool) {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		return "", "", false
	}
	return typ.Field, fmt.Sprintf("must be %s, not %s", Kind(typ.Type), ValueKind(typ.Value)), true
}

// ValueKind names the JSON value a json.UnmarshalTypeError found ("array",
// "object", "string", "bool", "number" or "number 1.5") like Kind does.
func ValueKind(v string) string {
	switch {
	case v == "array", v == "object":
		return "an " + v
	case v == "bool":
		return "true or false"
	case v == "string":
		return "a string"
	case strings.HasPrefix(v, "number"):
		if n := strings.TrimSpace(strings.TrimPrefix(v, "number")); n != "" {
			return "the number " + n
		}
		return "a number"
	}
	return v
}
