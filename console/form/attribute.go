package form

import "net/http"

// AttributeForm names a contact attribute to hide, show or delete;
// Reason (optional) says why it is hidden. The key's shape is checked by
// the privacy service (contacts.ValidateAttributes), as for the API.
type AttributeForm struct {
	Key, Reason string
}

// NewAttributeForm reads the attribute form (from the query on GET).
func NewAttributeForm(r *http.Request) *AttributeForm {
	return &AttributeForm{Key: value(r, "key"), Reason: value(r, "reason")}
}

// Validate checks that a key is given.
func (f *AttributeForm) Validate() Errors {
	if f.Key == "" {
		return Errors{"key": "attribute.err.key"}
	}
	return Errors{}
}
