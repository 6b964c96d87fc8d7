package strictjson

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// A PATCH body is a JSON merge patch (RFC 7396): a field left out keeps its
// value, a field given is set, and null clears a field that can be empty.
// Go decodes an absent field and a null one alike into a pointer (nil), so a
// patch struct says what it means with its field types:
//   - Field[T] tells absent, null and a value apart: for values that can be
//     cleared (a nullable reference, a list that may be empty).
//   - A pointer (*T), slice or map is "absent or a value": DecodePatch
//     refuses null for it with an error naming the field, so a client that
//     sends null to clear a value hears so instead of seeing nothing change
//     (a string is emptied with "", a list with []).
//   - A map of values (map[string]any) takes null per key: the key is to be
//     removed, which the caller applies (see MergeKeys).
// PATCH handlers decode with DecodePatch; other bodies with Decode.

// Field is one field of a merge patch: Set when the key was present, Null
// when its value was null, else Value.
type Field[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records that the key was present (encoding/json calls it for
// null too) and decodes the value.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		f.Null = true
		var zero T
		f.Value = zero
		return nil
	}
	f.Null = false
	return json.Unmarshal(b, &f.Value)
}

// patchElem lets the walker check the value inside a Field like any other.
func (*Field[T]) patchElem() reflect.Type { return reflect.TypeFor[T]() }

// Ptr is the patch as a pointer: nil when absent or null, else the value.
func (f Field[T]) Ptr() *T {
	if !f.Set || f.Null {
		return nil
	}
	v := f.Value
	return &v
}

type patchField interface{ patchElem() reflect.Type }

var patchFieldType = reflect.TypeFor[patchField]()

// fieldElem returns the element type of a Field[T] (or *Field[T]), else nil.
func fieldElem(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(patchFieldType) {
			return reflect.Zero(t).Interface().(patchField).patchElem()
		}
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(patchFieldType) {
		return reflect.Zero(reflect.PointerTo(t)).Interface().(patchField).patchElem()
	}
	return nil
}

// DecodePatch decodes a merge-patch body into v like Decode, and refuses a
// null for a field that cannot say "clear" (a pointer, slice or map that is
// not a Field), naming it.
func DecodePatch(data []byte, v any) error {
	return decode(data, v, true)
}

// MergeKeys applies a merge patch of keys to base: a null value removes the
// key, any other value replaces it; keys the patch does not name stay. It
// returns a new map; base is not changed.
func MergeKeys(base, patch map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(patch))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}
