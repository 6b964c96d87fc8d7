package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/strictjson"
)

// TestTypeErrorsSpeakJSON: a body value of the wrong JSON type is refused
// with 422 naming the field and the JSON types (object, array, string,
// number, true or false) expected and found, never a Go type name.
func TestTypeErrorsSpeakJSON(t *testing.T) {
	type patchInput struct {
		Name       strictjson.Field[string]         `json:"name"`
		Attributes map[string]any                   `json:"attributes"`
		Extra      strictjson.Field[map[string]any] `json:"extra"`
		Lists      []int64                          `json:"lists"`
		Count      int                              `json:"count"`
		Ratio      float64                          `json:"ratio"`
		On         bool                             `json:"on"`
		IP         netip.Addr                       `json:"ip"`
	}
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, slog.New(slog.DiscardHandler), nil, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	rt.Handle("PATCH", "/things", httpapi.Public, func(w http.ResponseWriter, r *http.Request) error {
		var in patchInput
		if err := httpapi.DecodePatch(w, r, 1<<10, &in); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	for _, tc := range []struct{ body, field, message string }{
		{`[]`, "", "the request body must be an object, not an array"},
		{`"x"`, "", "the request body must be an object, not a string"},
		{`{"attributes":[]}`, "attributes", "must be an object, not an array"},
		{`{"extra":"x"}`, "extra", "must be an object, not a string"},
		{`{"name":{}}`, "name", "must be a string, not an object"},
		{`{"lists":{}}`, "lists", "must be an array, not an object"},
		{`{"lists":["a"]}`, "lists", "must be a whole number, not a string"},
		{`{"count":1.5}`, "count", "must be a whole number, not the number 1.5"},
		{`{"ratio":true}`, "ratio", "must be a number, not true or false"},
		{`{"on":1}`, "on", "must be true or false, not a number"},
		{`{"ip":1}`, "ip", "must be a string, not a number"},
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("PATCH", "/things", strings.NewReader(tc.body)))
		var out struct {
			Error struct{ Field, Message string } `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v %s", tc.body, err, w.Body)
		}
		if w.Code != http.StatusUnprocessableEntity || out.Error.Field != tc.field || out.Error.Message != tc.message {
			t.Errorf("%s: %d field %q message %q, want 422 field %q message %q", tc.body, w.Code, out.Error.Field,
				out.Error.Message, tc.field, tc.message)
		}
	}
}
