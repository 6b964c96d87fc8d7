package strictjson_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/strictjson"
)

type consent struct {
	Source string `json:"source"`
}

type base struct {
	Purpose string `json:"purpose"`
}

type input struct {
	Email   string            `json:"email"`
	Name    *string           `json:"name,omitempty"`
	Lists   []string          `json:"lists"`
	Attrs   map[string]any    `json:"attributes"`
	Consent *consent          `json:"consent"`
	Raw     json.RawMessage   `json:"raw"`
	When    time.Time         `json:"when"`
	Tags    map[string]string `json:"tags"`
	Skipped string            `json:"-"`
	NoTag   int
	base
}

func TestDecodeRefusesWhatEncodingJSONLetsThrough(t *testing.T) {
	for _, tc := range []struct {
		name, body  string
		code, field string // "" code: accepted
	}{
		{"exact fields", `{"email":"a@example.org","name":"A","lists":["x"],"attributes":{"City":"Z"},"consent":{"source":"api"},"purpose":"p","NoTag":1}`, "", ""},
		{"miscased field", `{"EMAIL":"a@example.org"}`, "unknown_field", "EMAIL"},
		{"miscased nested field", `{"consent":{"Source":"api"}}`, "unknown_field", "consent.Source"},
		{"miscased embedded field", `{"Purpose":"p"}`, "unknown_field", "Purpose"},
		{"miscased untagged field", `{"notag":1}`, "unknown_field", "notag"},
		{"dash-tagged field", `{"Skipped":"x"}`, "unknown_field", "Skipped"},
		{"unknown field", `{"emial":"a@example.org"}`, "unknown_field", "emial"},
		{"map keys are free", `{"attributes":{"ANY":"x","any":"y"}}`, "", ""},
		{"raw message is opaque", `{"raw":{"Whatever":1}}`, "", ""},
		{"time decodes itself", `{"when":"2026-01-02T03:04:05Z"}`, "", ""},
		{"NUL in a value", `{"email":"a\u0000@example.org"}`, "invalid_field", "email"},
		{"NUL in a map value", `{"attributes":{"city":"Ut\u0000recht"}}`, "invalid_field", "attributes.city"},
		{"NUL in a map key", `{"attributes":{"ci\u0000ty":"x"}}`, "invalid_field", `attributes.ci\0ty`},
		{"invalid UTF-8 in a map key", "{\"attributes\":{\"k\xff\":\"x\"}}", "invalid_field", "attributes.k\ufffd"},
		{"NUL deep in a free value", `{"attributes":{"a":[{"b":"\u0000"}]}}`, "invalid_field", "attributes.a[0].b"},
		{"NUL in an array", `{"lists":["ok","n\u0000"]}`, "invalid_field", "lists[1]"},
		{"NUL in a raw message", `{"raw":{"x":"\u0000"}}`, "invalid_field", "raw.x"},
		{"NUL in a string map", `{"tags":{"t":"\u0000"}}`, "invalid_field", "tags.t"},
		{"invalid UTF-8 in a value", "{\"email\":\"a\xff@example.org\"}", "invalid_field", "email"},
		{"invalid UTF-8 in a nested value", "{\"consent\":{\"source\":\"\xc3\"}}", "invalid_field", "consent.source"},
		{"escaped replacement character is fine", `{"email":"\ufffd"}`, "", ""},
		{"literal replacement character is fine", "{\"email\":\"\ufffd\\uFFFD\"}", "", ""},
		{"surrogate pair is fine", `{"email":"\ud83d\ude00"}`, "", ""},
		{"unpaired surrogate", `{"email":"a\ud800b"}`, "invalid_field", "email"},
		{"unpaired low surrogate in a map", `{"attributes":{"c":"\udc00"}}`, "invalid_field", "attributes.c"},
		{"duplicate field", `{"email":"a@example.org","email":"b@example.org"}`, "invalid_field", "email"},
		{"duplicate nested field", `{"consent":{"source":"a","source":"b"}}`, "invalid_field", "consent.source"},
		{"duplicate map key", `{"attributes":{"city":"a","city":"b"}}`, "invalid_field", "attributes.city"},
		{"number too large for a free value", `{"attributes":{"size":1e400}}`, "invalid_field", "attributes.size"},
		{"negative number too large for a free value", `{"attributes":{"a":[{"b":-1e999}]}}`, "invalid_field", "attributes.a[0].b"},
		{"number too large for an int", `{"NoTag":99999999999999999999}`, "invalid_field", "NoTag"},
		{"large numbers that fit", `{"attributes":{"size":1e300,"tiny":1e-400},"NoTag":-9223372036854775808}`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v input
			err := strictjson.Decode([]byte(tc.body), &v)
			var fe *errs.Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code == "":
			case !errors.As(err, &fe):
				t.Fatalf("err = %v, want a field error", err)
			case fe.Code != tc.code || fe.Field != tc.field || fe.Kind != errs.KindInvalid:
				t.Fatalf("err = %+v, want code %s field %q", fe, tc.code, tc.field)
			}
		})
	}
}

func TestDecodeLeavesSyntaxAndTypeErrorsToEncodingJSON(t *testing.T) {
	var v input
	var syn *json.SyntaxError
	if err := strictjson.Decode([]byte(`{"email":`), &v); err == nil || errors.As(err, new(*errs.Error)) {
		t.Errorf("truncated: %v", err)
	}
	if err := strictjson.Decode([]byte(`{"email":}`), &v); !errors.As(err, &syn) {
		t.Errorf("syntax: %v", err)
	}
	var typ *json.UnmarshalTypeError
	if err := strictjson.Decode([]byte(`{"email":1}`), &v); !errors.As(err, &typ) {
		t.Errorf("type: %v", err)
	}
	if err := strictjson.Decode([]byte(`{"NoTag":1.5}`), &v); !errors.As(err, &typ) {
		t.Errorf("fraction for a whole number: %v", err)
	}
	if err := strictjson.Decode([]byte(`{} {}`), &v); !errors.Is(err, strictjson.ErrTrailing) {
		t.Errorf("trailing: %v", err)
	}
}
