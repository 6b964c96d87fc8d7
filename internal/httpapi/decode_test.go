package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

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

// TestTimeErrorsNameTheField: a time that does not parse is a 422 naming
// its field (nested ones by their path) and the form expected, never Go's
// layout string.
func TestTimeErrorsNameTheField(t *testing.T) {
	type input struct {
		SendAt time.Time  `json:"send_at"`
		Until  *time.Time `json:"until"`
		Events []struct {
			At time.Time `json:"at"`
		} `json:"events"`
		Hold struct {
			Until strictjson.Field[time.Time] `json:"until"`
		} `json:"hold"`
	}
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, slog.New(slog.DiscardHandler), nil, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	rt.Handle("POST", "/things", httpapi.Public, func(w http.ResponseWriter, r *http.Request) error {
		var in input
		if err := httpapi.DecodeJSON(w, r, 1<<10, &in); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	for _, tc := range []struct{ body, field string }{
		{`{"send_at":"tomorrow"}`, "send_at"},
		{`{"send_at":"2026-03-01T09:00:00Z","until":"2026-03-01"}`, "until"},
		{`{"events":[{"at":"2026-03-01T09:00:00Z"},{"at":"9 o'clock"}]}`, "events[1].at"},
		// encoding/json hands time.Time the string still escaped, and a
		// value of another JSON type without a field.
		{`{"send_at":"2026-03-01T09:00:00Z\r\nX: y"}`, "send_at"},
		{`{"until":"\u202e2026-03-01T09:00:00Z"}`, "until"},
		{`{"send_at":1767258000}`, "send_at"},
		{`{"until":true}`, "until"},
		{`{"send_at":{}}`, "send_at"},
		{`{"events":[{"at":["2026-03-01T09:00:00Z"]}]}`, "events[0].at"},
		{`{"hold":{"until":"2026-02-30T09:00:00Z"}}`, "hold.until"},
		{`{"hold":{"until":7}}`, "hold.until"},
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("POST", "/things", strings.NewReader(tc.body)))
		var out struct {
			Error struct{ Code, Field, Message string } `json:"error"`
		}
		json.Unmarshal(w.Body.Bytes(), &out)
		if w.Code != http.StatusUnprocessableEntity || out.Error.Code != "invalid_field" || out.Error.Field != tc.field ||
			!strings.Contains(out.Error.Message, "2026-03-01T09:00:00Z") || strings.Contains(out.Error.Message, "2006") {
			t.Errorf("%s: %d %s, want 422 naming %s", tc.body, w.Code, w.Body, tc.field)
		}
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("POST", "/things", strings.NewReader(`{"send_at":"2026-03-01T09:00:00+01:00","until":null,"hold":{"until":null}}`)))
	if w.Code != http.StatusNoContent {
		t.Errorf("a good time: %d %s", w.Code, w.Body)
	}
}
