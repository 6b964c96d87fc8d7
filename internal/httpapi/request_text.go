package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/postbode/postbode/internal/errs"
)

// wildcards returns the names of the {wildcards} in a route path.
func wildcards(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.TrimSuffix(strings.Trim(seg, "{}"), "...")
			if name != "" && name != "$" {
				names = append(names, name)
			}
		}
	}
	return names
}

// checkRequestText refuses a request whose path values or query parameters
// are not storable text (errs.TextProblem): 422 naming the parameter, before
// any handler passes them to Postgres. Every API route is checked by the
// router, so handlers read r.URL.Query() and r.PathValue as they are.
func checkRequestText(r *http.Request, pathNames []string) error {
	for _, name := range pathNames {
		if p := errs.TextProblem(r.PathValue(name)); p != "" {
			return Invalid(name, p)
		}
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if p := errs.TextProblem(k); p != "" {
			return Invalid(errs.Printable(k), "query parameter name "+p)
		}
		for _, v := range q[k] {
			if p := errs.TextProblem(v); p != "" {
				return Invalid(k, p)
			}
		}
	}
	return nil
}

// RequestText returns the router's check of path values and query
// parameters (checkRequestText) for a route of pattern, for an edge that
// serves its own routes on a ServeMux (the console): the same rule, the
// same 422 naming the parameter.
func RequestText(pattern string) func(*http.Request) error {
	names := wildcards(pattern)
	return func(r *http.Request) error { return checkRequestText(r, names) }
}
