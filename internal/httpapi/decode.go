package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/strictjson"
)

// DecodeJSON reads a JSON object body into v: at most maxBytes, exactly one
// value, field names matched exactly (unknown or miscased ones rejected), and
// every string storable text (no NUL, valid UTF-8). Errors name the field
// where possible. Every JSON body of the API is read through it.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	return decodeBody(w, r, maxBytes, v, strictjson.Decode)
}

// DecodePatch reads a PATCH body, a JSON merge patch, into v: like
// DecodeJSON, and a null for a field that cannot be cleared is refused
// naming the field (see strictjson.DecodePatch). Every PATCH route of the
// API reads its body through it: a field left out stays as it is.
func DecodePatch(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	return decodeBody(w, r, maxBytes, v, strictjson.DecodePatch)
}

func decodeBody(w http.ResponseWriter, r *http.Request, maxBytes int64, v any, decode func([]byte, any) error) error {
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
		return NewError(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be JSON, not a form upload")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		return decodeError(err, nil)
	}
	if err := decode(body, v); err != nil {
		return decodeError(err, body)
	}
	return nil
}

func decodeError(err error, body []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var pt *time.ParseError
	var mbe *http.MaxBytesError
	var de *errs.Error
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, strictjson.ErrTrailing):
		return NewError(http.StatusBadRequest, "malformed_json", "request body must hold a single JSON object")
	case errors.As(err, &mbe):
		return NewError(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &syn):
		return NewError(http.StatusBadRequest, "malformed_json", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		msg := fmt.Sprintf("must be %s, not %s", strictjson.Kind(typ.Type), strictjson.ValueKind(typ.Value))
		if typ.Field == "" {
			msg = "the request body " + msg
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: typ.Field, Message: msg}
	case errors.As(err, &pt):
		// encoding/json returns a time's own error without the field: find
		// the field by the string that did not parse.
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: fieldOfString(body, pt.Value),
			Message: "must be a time like 2026-03-01T09:00:00Z (RFC 3339, with a time zone)"}
	case errors.Is(err, io.EOF):
		return NewError(http.StatusBadRequest, "malformed_json", "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewError(http.StatusBadRequest, "malformed_json", "request body is truncated JSON")
	}
	return NewError(http.StatusBadRequest, "malformed_json", err.Error())
}

// fieldOfString is the path ("send_at", "hold.until", "events[2].at") of
// the first string value s in the JSON body, keys in order, or "".
func fieldOfString(body []byte, s string) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var walk func(v any, path string) (string, bool)
	walk = func(v any, path string) (string, bool) {
		switch x := v.(type) {
		case string:
			return path, x == s
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if f, ok := walk(x[k], p); ok {
					return f, true
				}
			}
		case []any:
			for i, e := range x {
				if f, ok := walk(e, fmt.Sprintf("%s[%d]", path, i)); ok {
					return f, true
				}
			}
		}
		return "", false
	}
	f, _ := walk(v, "")
	return f
}

// PathID parses the {name} path value as a positive integer id.
func PathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, Invalid(name, "must be a positive integer id")
	}
	return v, nil
}
