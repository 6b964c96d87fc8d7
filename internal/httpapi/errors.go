// Package httpapi is the shared HTTP plumbing of the admin API: the JSON error
// shape, strict body decoding, bearer-token roles, the handler adapter, request
// metrics, and cursor pagination.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/postbode/postbode/internal/errs"
)

// Error is an API error: written as {"error": {"code", "message", "field"}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Errors are every field that is wrong when there are several (the
	// first is Field and Message).
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError is one wrong field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// NewError returns an API error with the given status.
func NewError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// Invalid returns a 422 error naming the field.
func Invalid(field, msg string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: field, Message: msg}
}

// HandlerFunc is an HTTP handler that returns an error for the adapter to write.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// toError maps any error to an API error: domain errors by kind, anything else 500.
func toError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var de *errs.Error
	if errors.As(err, &de) {
		status := map[errs.Kind]int{
			errs.KindNotFound:    http.StatusNotFound,
			errs.KindConflict:    http.StatusConflict,
			errs.KindInvalid:     http.StatusUnprocessableEntity,
			errs.KindForbidden:   http.StatusForbidden,
			errs.KindUnavailable: http.StatusServiceUnavailable,
		}[de.Kind]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		ae := &Error{Status: status, Code: de.Code, Message: de.Message, Field: de.Field}
		if fields := errs.Fields(err); len(fields) > 1 {
			for _, f := range fields {
				ae.Errors = append(ae.Errors, FieldError{Field: f.Field, Message: f.Message})
			}
		}
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return NewError(http.StatusRequestEntityTooLarge, "body_too_large", "request body is too large")
	}
	return NewError(http.StatusInternalServerError, "internal", "internal error")
}

// StatusClientClosed is the status recorded for a request whose client
// closed the connection before the answer (nginx's 499). Nobody receives
// it: it keeps a client going away out of the server-error counts.
const StatusClientClosed = 499

// ClientGone reports whether err is the request's context being canceled
// because the client closed its connection (not a server error).
func ClientGone(r *http.Request, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled)
}

// WriteError writes err as the JSON error shape; 5xx errors are logged. An
// error caused by the client going away is recorded as StatusClientClosed
// and logged at debug level only.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if ClientGone(r, err) {
		log.Debug("client closed the connection", slog.String("route", r.Pattern))
		w.WriteHeader(StatusClientClosed)
		return
	}
	ae := toError(err)
	if ae.Status >= 500 {
		log.Error("request failed", slog.String("route", r.Pattern), slog.Any("error", err))
	}
	WriteJSON(w, ae.Status, map[string]any{"error": ae})
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}
