package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is the import path prefix of the product's packages.
const module = "github.com/postbode/postbode/"

// rungs is the dependency ladder: a package may import packages on lower
// rungs only (and its own subpackages). internal/* is the bottom and
// imports nothing else of the product; mta and templates are leaves that
// anyone above internal/* may import but that import only internal/*.
var rungs = map[string]int{
	"internal": 0,
	"contacts": 1, "staff": 1,
	"privacy":   2,
	"campaigns": 3, "bounces": 3, "optin": 3,
	"console": 4,
	"cmd":     5,
}

var leaves = map[string]bool{"mta": true, "templates": true}

// top is the top-level directory of a package path relative to the module.
func top(rel string) string {
	t, _, _ := strings.Cut(rel, "/")
	return t
}

// ladderViolation explains why from may not import to ("" when it may);
// both are paths relative to the module root.
func ladderViolation(from, to string) string {
	f, t := top(from), top(to)
	if f == t {
		return ""
	}
	if f == "internal" {
		return from + " imports " + to + ": internal/* imports only internal/*"
	}
	if leaves[f] {
		if t != "internal" {
			return from + " is a leaf and imports " + to
		}
		return ""
	}
	rf, okf := rungs[f]
	rt, okt := rungs[t]
	switch {
	case !okf && !leaves[f]:
		return from + " is on no rung of the dependency ladder"
	case leaves[t]:
		return ""
	case !okt:
		return to + " is on no rung of the dependency ladder"
	case rt >= rf:
		return from + " imports " + to + ", which is not below it"
	}
	return ""
}

// productImports maps every product package (relative path) to the product
// packages its non-test files import.
func productImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	deps := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok {
				deps[rel] = append(deps[rel], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return deps
}

// TestDependencyLadder fails when a package imports one on its own or a
// higher rung: an internal/* package importing a domain, contacts
// importing optin, a leaf importing contacts, privacy importing campaigns.
func TestDependencyLadder(t *testing.T) {
	for _, bad := range [][2]string{{"internal/db", "contacts"}, {"contacts", "optin"}, {"privacy", "optin"},
		{"optin", "campaigns"}, {"mta", "contacts"}, {"templates", "optin"}, {"internal/httpapi", "mta"}, {"newdomain", "contacts"}} {
		if ladderViolation(bad[0], bad[1]) == "" {
			t.Errorf("the check lets %s import %s", bad[0], bad[1])
		}
	}
	deps := productImports(t, filepath.Join("..", ".."))
	if len(deps["cmd/postbode"]) == 0 || len(deps["optin"]) == 0 {
		t.Fatalf("found no product imports: %v", deps)
	}
	var bad []string
	for from, tos := range deps {
		for _, to := range tos {
			if v := ladderViolation(from, to); v != "" {
				bad = append(bad, v)
			}
		}
	}
	slices.Sort(bad)
	for _, v := range slices.Compact(bad) {
		t.Error(v)
	}
}
