package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

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
		return decodeError(err)
	}
	if err := decode(body, v); err != nil {
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	var de *errs.Error
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, strictjson.ErrTrailing):
		return NewError(http.StatusBadRequest, "malformed_json", "request body must hold a single JSON object")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ErrBodyTimeout
	case errors.As(err, &mbe):
		return NewError(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &syn):
		return NewError(http.StatusBadRequest, "malformed_json", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field, msg, _ := strictjson.TypeProblem(err)
		if field == "" {
			msg = "the request body " + msg
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: field, Message: msg}
	case errors.Is(err, io.EOF):
		return NewError(http.StatusBadRequest, "malformed_json", "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewError(http.StatusBadRequest, "malformed_json", "request body is truncated JSON")
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
