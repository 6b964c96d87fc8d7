package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// queryParams reads the query parameters each operation of an OpenAPI
// document declares ("in": "query", inline or a $ref to
// #/components/parameters), keyed "METHOD /path". The document is the one
// list of what a route takes: the router refuses the rest (checkQuery).
func queryParams(doc []byte) (map[string][]string, error) {
	type param struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var parsed struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	resolve := func(ps []param) ([]string, error) {
		var names []string
		for _, p := range ps {
			if p.Ref != "" {
				c, ok := parsed.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				if !ok {
					return nil, fmt.Errorf("openapi: unknown parameter %s", p.Ref)
				}
				p = c
			}
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		return names, nil
	}
	out := map[string][]string{}
	for path, ops := range parsed.Paths {
		var shared []param
		if raw, ok := ops["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				return nil, fmt.Errorf("openapi: %s parameters: %w", path, err)
			}
		}
		for m, raw := range ops {
			if m == "parameters" || m == "summary" || m == "description" {
				continue
			}
			var op struct {
				Parameters []param `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", m, path, err)
			}
			names, err := resolve(append(slices.Clone(shared), op.Parameters...))
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", m, path, err)
			}
			slices.Sort(names)
			out[strings.ToUpper(m)+" "+path] = slices.Compact(names)
		}
	}
	return out, nil
}

// checkQuery refuses a query parameter the route does not take with 400
// naming it and the ones it takes: a misspelt filter (?stauts=) must not
// quietly answer the unfiltered list.
func checkQuery(r *http.Request, allowed []string) error {
	keys := make([]string, 0, len(r.URL.Query()))
	for k := range r.URL.Query() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(allowed, k) {
			continue
		}
		msg := "is not a query parameter of this route, which takes none"
		if len(allowed) > 0 {
			msg = "is not a query parameter of this route, which takes " + strings.Join(allowed, ", ")
		}
		return &Error{Status: http.StatusBadRequest, Code: "unknown_parameter", Field: k, Message: msg}
	}
	return nil
}
