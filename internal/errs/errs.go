// Package errs is the small vocabulary of domain errors shared by every package:
// not found, conflict, invalid field, forbidden. Domain packages declare their own
// sentinels with it; the HTTP edge maps the kind to a status code.
package errs

import "fmt"

// Kind says what went wrong, independent of transport.
type Kind int

// The kinds of domain error.
const (
	KindNotFound Kind = iota + 1
	KindConflict
	KindInvalid
	KindForbidden
	KindUnavailable
)

// Error is a domain error with a machine-readable code, an optional field name
// (for invalid input) and a human message.
type Error struct {
	Kind    Kind
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// NotFound returns a not-found error.
func NotFound(code, msg string) *Error { return &Error{Kind: KindNotFound, Code: code, Message: msg} }

// Conflict returns an error for a state that forbids the operation (duplicate, wrong state).
func Conflict(code, msg string) *Error { return &Error{Kind: KindConflict, Code: code, Message: msg} }

// Invalid returns a validation error naming the offending field.
func Invalid(field, msg string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_field", Field: field, Message: msg}
}

// Invalidf is Invalid with a format string.
func Invalidf(field, format string, args ...any) *Error {
	return Invalid(field, fmt.Sprintf(format, args...))
}

// Forbidden returns an error for an action the caller may not take.
func Forbidden(code, msg string) *Error { return &Error{Kind: KindForbidden, Code: code, Message: msg} }

// Unavailable returns an error for a dependency that cannot be reached.
func Unavailable(code, msg string) *Error {
	return &Error{Kind: KindUnavailable, Code: code, Message: msg}
}

// Fields are the invalid-field errors in err, which may join several
// (errors.Join: a form checked as a whole reports every field that is
// wrong, not only the first); errors.As on err finds the first.
func Fields(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *Error:
			if x.Kind == KindInvalid {
				out = append(out, x)
			}
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}
