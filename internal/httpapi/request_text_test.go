package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/httpapi"
)

// TestRouterRefusesInvalidText: path values, query parameters and JSON
// bodies that are not storable text never reach a handler; the 422 names
// the parameter or field.
func TestRouterRefusesInvalidText(t *testing.T) {
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, slog.New(slog.DiscardHandler), nil, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	reached := 0
	rt.Handle("POST", "/items/{name}/{rest...}", httpapi.Public, func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Title string `json:"title"`
		}
		if err := httpapi.DecodeJSON(w, r, 1<<10, &in); err != nil {
			return err
		}
		reached++
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	for _, tc := range []struct {
		target, body, field string
	}{
		{"/items/a/b?q=x", `{"title":"ok"}`, ""},
		{"/items/a%00b/c", `{}`, "name"},
		{"/items/a/b%FF", `{}`, "rest"},
		{"/items/a/b?q=%00", `{}`, "q"},
		{"/items/a/b?q=ok&q=%C3", `{}`, "q"},
		{"/items/a/b?%00=x", `{}`, `\0`},
		{"/items/a/b", `{"title":"\u0000"}`, "title"},
		{"/items/a/b", `{"Title":"x"}`, "Title"},
	} {
		req := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
		w := httptest.NewRecorder()
		before := reached
		mux.ServeHTTP(w, req)
		var out struct {
			Error struct{ Field string } `json:"error"`
		}
		json.Unmarshal(w.Body.Bytes(), &out)
		switch {
		case tc.field == "" && (w.Code != http.StatusNoContent || reached != before+1):
			t.Errorf("%s: %d %s, want the handler to run", tc.target, w.Code, w.Body)
		case tc.field != "" && (w.Code != http.StatusUnprocessableEntity || out.Error.Field != tc.field || reached != before):
			t.Errorf("%s %s: %d %s, want 422 naming %q", tc.target, tc.body, w.Code, w.Body, tc.field)
		}
	}
}
