package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
)

// viewNames returns every view name a handler passes to newPage.
func viewNames(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, fn := range files {
		f, err := parser.ParseFile(fset, fn, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasSuffix(sel.Sel.Name, "Page") {
				return true
			}
			// The view is the first string argument of newPage and of
			// the helpers that call it (campaignPage, importPage, ...).
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					name, _ := strconv.Unquote(lit.Value)
					out[name] = fset.Position(lit.Pos()).String()
					break
				}
			}
			return true
		})
	}
	return out
}

// Every view a handler names exists, and every view is named by a handler.
func TestEveryViewExists(t *testing.T) {
	v, err := parseViews(nil)
	if err != nil {
		t.Fatal(err)
	}
	named := viewNames(t)
	if len(named) < 3 {
		t.Fatalf("found only %d view names: the scan is broken", len(named))
	}
	for name, at := range named {
		if !v.has(name) {
			t.Errorf("%s: view %q has no templates/views/%s.html", at, name, name)
		}
	}
	for name := range v.sets {
		if _, ok := named[name]; !ok {
			t.Errorf("templates/views/%s.html is not used by any handler", name)
		}
	}
}

var (
	tKey = regexp.MustCompile(`\.Tf? "([a-z0-9_.]+)"`)
	// goKey finds text keys in Go: p.T("k"), redirect(..., "k"), Flash = "k", form errors.
	goKey = regexp.MustCompile(`(?:\.Tf?\(|redirect\(w, r, [^\n]*, |Flash = |\] = )"([a-z0-9_]+\.[a-z0-9_.]*[a-z0-9_])"`)
)

// Every text key a template uses is there in English and Dutch, and the two
// catalogues have the same keys.
func TestMessagesComplete(t *testing.T) {
	eachTemplate(t, func(p, text string) {
		for _, m := range tKey.FindAllStringSubmatch(text, -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: key %q missing in English", p, m[1])
			}
		}
	})
	goFiles, _ := filepath.Glob("*.go")
	formFiles, _ := filepath.Glob("form/*.go")
	for _, fn := range append(goFiles, formFiles...) {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: key %q missing in English", fn, m[1])
			}
		}
	}
	for k := range en {
		if _, ok := nl[k]; !ok {
			t.Errorf("key %q missing in Dutch", k)
		}
	}
	for k := range nl {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q missing in English", k)
		}
	}
}

var canRe = regexp.MustCompile(`\.Can "([a-z.]+)"`)

// Every permission a template checks is one of the permission table.
func TestTemplatePermissionsExist(t *testing.T) {
	n := 0
	eachTemplate(t, func(p, text string) {
		for _, m := range canRe.FindAllStringSubmatch(text, -1) {
			n++
			if !access.Valid(access.Permission(m[1])) {
				t.Errorf("%s: unknown permission %q", p, m[1])
			}
		}
	})
	if n == 0 {
		t.Fatal("no permission checks found: the scan is broken")
	}
}

// eachTemplate calls fn with every embedded template file.
func eachTemplate(t *testing.T, fn func(path, text string)) {
	t.Helper()
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		if err == nil {
			fn(p, string(b))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
