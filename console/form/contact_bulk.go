package form

import (
	"net/http"
	"strconv"
)

// MaxBulk is the most contacts one bulk action takes: one page of the
// contact search and a little more, so a request stays short.
const MaxBulk = 100

// BulkActions are the actions on selected contacts.
var BulkActions = []string{"unsubscribe", "block"}

// ContactBulkForm is an action on the contacts ticked in the search:
// take them off a list, or put their addresses on the blocklist.
type ContactBulkForm struct {
	// IDs are the selected contacts (1 to MaxBulk, each at most once).
	IDs []int64
	// Action is one of BulkActions.
	Action string
	// List is the list to take them off (unsubscribe only).
	List int64
	// Reason and Note are the blocklist's (block only), as BlockForm.
	Reason, Note string
	// tooMany and badID remember what parsing could not keep.
	tooMany, badID bool
}

// NewContactBulkForm reads the bulk form (query or body).
func NewContactBulkForm(r *http.Request) *ContactBulkForm {
	f := &ContactBulkForm{Action: value(r, "action"), Reason: value(r, "reason"), Note: value(r, "note")}
	_ = r.ParseForm()
	seen := map[int64]bool{}
	for _, v := range r.Form["id"] {
		n, err := strconv.ParseInt(trim(v), 10, 64)
		if err != nil || n <= 0 {
			f.badID = true
			continue
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		if len(f.IDs) == MaxBulk {
			f.tooMany = true
			continue
		}
		f.IDs = append(f.IDs, n)
	}
	if v := value(r, "list"); v != "" {
		f.List, _ = strconv.ParseInt(v, 10, 64)
	}
	return f
}

// Validate checks the selection, the action and what the action needs.
func (f *ContactBulkForm) Validate() Errors {
	e := Errors{}
	switch {
	case f.tooMany:
		e["id"] = "bulk.err.many"
	case f.badID:
		e["id"] = "bulk.err.id"
	case len(f.IDs) == 0:
		e["id"] = "bulk.err.none"
	}
	switch f.Action {
	case "unsubscribe":
		if f.List <= 0 {
			e["list"] = "contact.err.list"
		}
	case "block":
		b := BlockForm{Reason: f.Reason, Note: f.Note}
		for k, v := range b.Validate() {
			e[k] = v
		}
	default:
		e["action"] = "bulk.err.action"
	}
	return e
}
