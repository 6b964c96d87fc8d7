package form

import "net/http"

// BlockForm puts a contact's address on the blocklist.
type BlockForm struct {
	// Reason is why (required): complaint, request, manual.
	Reason string
	// Note is optional free text for staff (at most 500 characters).
	Note string
}

// BlockReasons are the reasons a person can pick.
var BlockReasons = []string{"request", "complaint", "manual"}

// NewBlockForm reads the block form.
func NewBlockForm(r *http.Request) *BlockForm {
	return &BlockForm{Reason: value(r, "reason"), Note: value(r, "note")}
}

// Validate checks reason and note.
func (f *BlockForm) Validate() Errors {
	e := Errors{}
	ok := false
	for _, g := range BlockReasons {
		ok = ok || g == f.Reason
	}
	if !ok {
		e["reason"] = "block.err.reason"
	}
	if len(f.Note) > 500 {
		e["note"] = "block.err.note"
	}
	return e
}
