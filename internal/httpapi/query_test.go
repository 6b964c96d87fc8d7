package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/httpapi"
)

// things is a module with one list route that takes status (inline) and
// the shared cursor and limit ($ref), and one route that takes none.
type things struct{}

func (things) OpenAPI() []byte {
	return []byte(`{"paths": {
		"/api/v1/things": {"get": {"parameters": [{"$ref": "#/components/parameters/cursor"},
			{"$ref": "#/components/parameters/limit"}, {"name": "status", "in": "query", "schema": {"type": "string"}}],
			"responses": {"200": {"description": "OK"}}}},
		"/api/v1/things/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}],
			"get": {"responses": {"200": {"description": "OK"}}}}}}`)
}

func (things) Routes(rt *httpapi.Router) {
	ok := func(w http.ResponseWriter, r *http.Request) error {
		if _, err := httpapi.ParsePage(r); err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"status": r.URL.Query().Get("status")})
		return nil
	}
	rt.Handle("GET", "/api/v1/things", httpapi.Public, ok)
	rt.Handle("GET", "/api/v1/things/{id}", httpapi.Public, ok)
}

// TestUnknownQueryParameterRefused: a query parameter the OpenAPI
// document does not give the route is refused with 400 naming it (a
// misspelt filter must not answer the unfiltered list); the documented
// ones, inline or shared, pass.
func TestUnknownQueryParameterRefused(t *testing.T) {
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, slog.New(slog.DiscardHandler), nil, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(rt, things{})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct {
		query       string
		status      int
		field, code string
		first       string // the parameter a route that takes none names
	}{
		{"", 200, "", "", ""},
		{"?status=active&limit=5&cursor=", 200, "", "", "cursor"},
		{"?stauts=active", 400, "stauts", "unknown_parameter", "stauts"},
		{"?status=active&utm_source=mail", 400, "utm_source", "unknown_parameter", "status"},
		{"?limit=0", 422, "limit", "invalid_field", "limit"},
	} {
		for _, path := range []string{"/api/v1/things", "/api/v1/things/1", "/api/v1/openapi.json"} {
			status, field, code := c.status, c.field, c.code
			if path != "/api/v1/things" && c.query != "" {
				// These routes take no query parameter at all.
				status, field, code = 400, c.first, "unknown_parameter"
			}
			res, err := http.Get(srv.URL + path + c.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var e struct {
				Error struct{ Code, Field, Message string }
			}
			json.Unmarshal(body, &e)
			if res.StatusCode != status || e.Error.Field != field || e.Error.Code != code {
				t.Errorf("GET %s%s: %d %s, want %d with code %q naming %q", path, c.query, res.StatusCode, body, status, code, field)
			}
		}
	}
}
