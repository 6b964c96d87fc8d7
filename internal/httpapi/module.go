package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

//go:embed openapi_base.json
var openAPIBase []byte

// Module is one domain's part of the admin API, served from the domain's
// own package. Routes registers its handlers (with their permissions);
// OpenAPI returns its fragment of the document:
// {"paths": {...}, "components": {"schemas": {...}}}, one entry per route.
type Module interface {
	Routes(rt *Router)
	OpenAPI() []byte
}

// Mount registers every module's routes, the OpenAPI document of them all
// at GET /api/v1/openapi.json, and a JSON 404 for the rest of /api/. The
// document is also the list of each route's query parameters: the router
// refuses any other (see Handle).
func Mount(rt *Router, modules ...Module) {
	doc, err := OpenAPI(modules...)
	rt.query = map[string][]string{} // a broken document: no route takes any
	if err == nil {
		var q map[string][]string
		if q, err = queryParams(doc); err == nil {
			rt.query = q
		}
	}
	rt.Handle("GET", "/api/v1/openapi.json", Public, func(w http.ResponseWriter, r *http.Request) error {
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
		return nil
	})
	for _, m := range modules {
		m.Routes(rt)
	}
	rt.NotFound("/api/")
}

// OpenAPI returns the OpenAPI 3 document: the base document with the paths
// and schemas of every module's fragment merged in. Two domains may serve
// methods of one path (e.g. GET and PATCH of a contact); the same method of
// a path in two fragments is an error.
func OpenAPI(modules ...Module) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIBase, &doc); err != nil {
		return nil, fmt.Errorf("openapi: base: %w", err)
	}
	paths := doc["paths"].(map[string]any)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for i, m := range modules {
		var frag struct {
			Paths      map[string]map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.OpenAPI(), &frag); err != nil {
			return nil, fmt.Errorf("openapi: fragment %d (%T): %w", i, m, err)
		}
		for path, ops := range frag.Paths {
			if err := mergePath(paths, path, ops); err != nil {
				return nil, err
			}
		}
		for k, v := range frag.Components.Schemas {
			schemas[k] = v
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// mergePath adds the operations of one path to the document's paths.
func mergePath(paths map[string]any, path string, ops map[string]any) error {
	have, ok := paths[path].(map[string]any)
	if !ok {
		paths[path] = ops
		return nil
	}
	for k, v := range ops {
		if _, dup := have[k]; dup {
			if k == "parameters" || k == "summary" || k == "description" {
				continue
			}
			return fmt.Errorf("openapi: %s %s in two fragments", k, path)
		}
		have[k] = v
	}
	return nil
}
