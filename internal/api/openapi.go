package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

//go:embed openapi/*.json
var openapiFS embed.FS

// OpenAPI returns the OpenAPI 3 document: base.json with the paths and
// schemas of every other fragment, and of the modules' fragments, merged in.
func OpenAPI(modules ...Module) ([]byte, error) {
	names, err := fs.Glob(openapiFS, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	if err := readJSON("openapi/base.json", &doc); err != nil {
		return nil, err
	}
	paths := doc["paths"].(map[string]any)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var frags [][]byte
	for _, n := range names {
		if n == "openapi/base.json" {
			continue
		}
		b, err := openapiFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		frags = append(frags, b)
	}
	for _, m := range modules {
		frags = append(frags, m.OpenAPI())
	}
	for i, b := range frags {
		var frag struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("api: openapi fragment %d: %w", i, err)
		}
		for k, v := range frag.Paths {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("api: openapi: path %s in two fragments", k)
			}
			paths[k] = v
		}
		for k, v := range frag.Components.Schemas {
			schemas[k] = v
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func readJSON(name string, v any) error {
	b, err := openapiFS.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("api: openapi: %s: %w", name, err)
	}
	return nil
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	s.docOnce.Do(func() { s.doc, s.docErr = OpenAPI(s.Modules...) })
	b, err := s.doc, s.docErr
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
	return nil
}
