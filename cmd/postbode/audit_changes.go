package main

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/db"
)

// changeKinds maps a route prefix to the audit action and target kind of
// a change made through it. Routes not listed audit themselves (privacy,
// persons, roles, departments) or change nothing of a department.
var changeKinds = []struct{ prefix, action, kind string }{
	{"/api/v1/contacts/", "contact-change", "contact"},
	{"/api/v1/contacts", "contact-create", "contact"},
	{"/api/v1/blocklist", "contact-change", "contacts"},
	{"/api/v1/imports", "contact-change", "contacts"},
	{"/api/v1/change-requests/", "contact-change", "contact"},
	{"/api/v1/lists", "list-change", "list"},
	{"/api/v1/campaigns", "campaign-change", "campaign"},
	{"/api/v1/update-mailings/", "campaign-change", "campaign"},
	{"/api/v1/tokens", "token-create", "token"},
}

// auditChanges returns the router's change auditor: every successful
// changing request on contacts, lists, campaigns and tokens is written to
// the audit log with the person, department, address, route and the
// object's id.
func auditChanges(db *db.Pool) func(r *http.Request, h http.Header, route string) error {
	return func(r *http.Request, h http.Header, route string) error {
		_, path, _ := strings.Cut(route, " ")
		for _, k := range changeKinds {
			if !strings.HasPrefix(path, k.prefix) {
				continue
			}
			if k.prefix == "/api/v1/contacts" && path != k.prefix {
				continue
			}
			e := audit.Entry{Action: k.action, TargetKind: k.kind, Count: 1, Cause: route}
			if k.kind == "token" && r.Method == http.MethodDelete {
				e.Action = "token-revoke"
			}
			if id, err := strconv.ParseInt(r.PathValue("id"), 10, 64); err == nil {
				e.TargetID = &id
			} else if id, ok := audit.CreatedID(path, h.Get("Location")); ok {
				e.TargetID = &id
			}
			return audit.Write(r.Context(), db, e)
		}
		return nil
	}
}
