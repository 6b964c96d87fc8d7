package httpapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// DiffOpenAPI compares an OpenAPI document (or a domain's fragment of one)
// with registered routes and returns one line per mismatch: a route that is
// not documented, or a documented operation with no route. Tests of every
// domain call it so the document cannot drift from the code.
func DiffOpenAPI(doc []byte, routes []Route) ([]string, error) {
	var parsed struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	documented := map[string]bool{}
	for path, ops := range parsed.Paths {
		for m := range ops {
			if m == "parameters" || m == "summary" || m == "description" {
				continue
			}
			documented[strings.ToUpper(m)+" "+path] = true
		}
	}
	var diff []string
	registered := map[string]bool{}
	for _, r := range routes {
		k := r.Method + " " + r.Path
		registered[k] = true
		if !documented[k] {
			diff = append(diff, "route "+k+" is not in the OpenAPI document")
		}
	}
	for k := range documented {
		if !registered[k] {
			diff = append(diff, "OpenAPI documents "+k+", but no such route is registered")
		}
	}
	sort.Strings(diff)
	return diff, nil
}

// Declared are the responses of doc that declare header, and those that do
// not, by "METHOD path status" (e.g. "POST /api/v1/lists 201"), for the
// statuses given: a conformance test compares them with what the routes
// send.
func Declared(doc []byte, header string, statuses ...string) (with, without map[string]bool, err error) {
	var parsed struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		return nil, nil, fmt.Errorf("openapi: %w", err)
	}
	with, without = map[string]bool{}, map[string]bool{}
	for path, ops := range parsed.Paths {
		for m, raw := range ops {
			var op struct {
				Responses map[string]struct {
					Headers map[string]json.RawMessage `json:"headers"`
				} `json:"responses"`
			}
			if json.Unmarshal(raw, &op) != nil {
				continue // "parameters", "summary": not an operation
			}
			for _, st := range statuses {
				resp, ok := op.Responses[st]
				if !ok {
					continue
				}
				k := strings.ToUpper(m) + " " + path + " " + st
				if _, has := resp.Headers[header]; has {
					with[k] = true
				} else {
					without[k] = true
				}
			}
		}
	}
	return with, without, nil
}
