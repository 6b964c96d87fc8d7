package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/audit"
)

// changeKinds maps a console route prefix to the audit action and target
// kind of a change made through it, as the JSON API's router does. Routes
// not listed audit themselves (erasure, export, privacy requests, persons,
// bulk actions: an entry per contact changed).
// or change nothing of a department (the person's language).
var changeKinds = []struct{ prefix, action, kind string }{
	{"POST /console/contacts/", "contact-change", "contact"},
	{"POST /console/contacts", "contact-create", "contact"}, // New contact (the routes above are longer)
	{"POST /console/imports", "contact-change", "contacts"},
	{"POST /console/changes/", "contact-change", "contact"},
	{"POST /console/campaigns", "campaign-change", "campaign"},
	{"POST /console/lists", "list-change", "list"},
	{"POST /console/admin/tokens/", "token-revoke", "token"},
}

// audited writes the audit entry of a successful change through pattern
// (after the action, when the response is not an error).
func (h *Handler) audited(pattern string, next http.Handler) http.Handler {
	var kind *struct{ prefix, action, kind string }
	for i, k := range changeKinds {
		if strings.HasPrefix(pattern, k.prefix) && !strings.HasSuffix(pattern, "/forget") && pattern != bulkCause {
			kind = &changeKinds[i]
			break
		}
	}
	if kind == nil || h.Audit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &codeWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		if cw.code >= 400 {
			return
		}
		e := audit.Entry{Action: kind.action, TargetKind: kind.kind, Count: 1, Cause: pattern}
		if id, err := strconv.ParseInt(r.PathValue("id"), 10, 64); err == nil {
			e.TargetID = &id
		} else if id, ok := audit.CreatedID(strings.TrimPrefix(pattern, "POST "), w.Header().Get("Location")); ok {
			e.TargetID = &id // a new contact or campaign: where the form sends you
		}
		if err := audit.Write(r.Context(), h.Audit, e); err != nil {
			h.Log.Error("console: audit of a change failed", "route", pattern, "error", err)
		}
	})
}

// codeWriter remembers the status code of a response (0: 200, implied).
type codeWriter struct {
	http.ResponseWriter
	code int
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *codeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}
