package strictjson_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/strictjson"
)

type patchInput struct {
	Name  *string                          `json:"name"`
	Main  strictjson.Field[int64]          `json:"main"`
	CIDRs strictjson.Field[[]string]       `json:"cidrs"`
	Inner strictjson.Field[consent]        `json:"inner"`
	Attrs map[string]any                   `json:"attributes"`
	Tags  strictjson.Field[map[string]int] `json:"tags"`
}

// A merge patch tells a field left out, a null and a value apart.
func TestDecodePatchTellsAbsentNullAndValueApart(t *testing.T) {
	var in patchInput
	if err := strictjson.DecodePatch([]byte(`{"main":null,"cidrs":["10.0.0.0/8"],"attributes":{"a":null,"b":1}}`), &in); err != nil {
		t.Fatal(err)
	}
	if !in.Main.Set || !in.Main.Null || in.Main.Ptr() != nil {
		t.Fatalf("main null: %+v", in.Main)
	}
	if !in.CIDRs.Set || in.CIDRs.Null || !reflect.DeepEqual(in.CIDRs.Value, []string{"10.0.0.0/8"}) {
		t.Fatalf("cidrs: %+v", in.CIDRs)
	}
	if in.Inner.Set || in.Name != nil {
		t.Fatalf("absent fields came out set: %+v %v", in.Inner, in.Name)
	}
	if v, ok := in.Attrs["a"]; !ok || v != nil {
		t.Fatalf("attributes.a null should be kept as a removal: %v", in.Attrs)
	}
	var again patchInput
	if err := strictjson.DecodePatch([]byte(`{"main":7}`), &again); err != nil || again.Main.Ptr() == nil || *again.Main.Ptr() != 7 {
		t.Fatalf("main 7: %+v %v", again.Main, err)
	}
}

// A null for a field that cannot be cleared is refused, naming it; plain
// Decode (create bodies) keeps encoding/json's reading.
func TestDecodePatchRefusesNullForPlainPointer(t *testing.T) {
	for _, field := range []string{"name", "attributes"} {
		var in patchInput
		err := strictjson.DecodePatch([]byte(`{"`+field+`":null}`), &in)
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != field {
			t.Fatalf("want a field error on %s, got %v", field, err)
		}
	}
	var in patchInput
	if err := strictjson.Decode([]byte(`{"name":null}`), &in); err != nil {
		t.Fatalf("Decode: %v", err)
	}
}

// The value inside a Field is checked like any other: exact keys, text.
func TestDecodePatchChecksInsideField(t *testing.T) {
	for body, field := range map[string]string{
		`{"inner":{"SOURCE":"x"}}`:      "inner.SOURCE",
		`{"inner":{"source":"\u0000"}}`: "inner.source",
		`{"tags":{"a\u0000":1}}`:        `tags.a\0`,
	} {
		var in patchInput
		err := strictjson.DecodePatch([]byte(body), &in)
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: want a field error, got %v", body, err)
			continue
		}
		if field != "" && e.Field != field {
			t.Errorf("%s: field %q, want %q", body, e.Field, field)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	base := map[string]any{"keep": 1, "drop": 2, "change": 3}
	got := strictjson.MergeKeys(base, map[string]any{"drop": nil, "change": 4, "new": 5})
	want := map[string]any{"keep": 1, "change": 4, "new": 5}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if len(base) != 3 {
		t.Fatal("base changed")
	}
}
