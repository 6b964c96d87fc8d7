package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DecodeJSON reads a JSON object body into v: at most maxBytes, unknown
// fields rejected, exactly one value. Errors name the field where possible.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
		return NewError(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be JSON, not a form upload")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewError(http.StatusBadRequest, "malformed_json", "request body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return NewError(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &syn):
		return NewError(http.StatusBadRequest, "malformed_json", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: typ.Field,
			Message: fmt.Sprintf("must be %s, not %s", typ.Type.String(), typ.Value)}
	case errors.Is(err, io.EOF):
		return NewError(http.StatusBadRequest, "malformed_json", "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewError(http.StatusBadRequest, "malformed_json", "request body is truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &Error{Status: http.StatusUnprocessableEntity, Code: "unknown_field", Field: field, Message: "unknown field"}
	}
	return NewError(http.StatusBadRequest, "malformed_json", err.Error())
}

// PathID parses the {name} path value as a positive integer id.
func PathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, Invalid(name, "must be a positive integer id")
	}
	return v, nil
}
