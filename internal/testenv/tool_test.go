package testenv

import (
	"strings"
	"testing"
)

// toolTB records how Tool ends a test instead of ending it.
type toolTB struct {
	testing.TB
	fatal, skip string
}

func (r *toolTB) Helper()           {}
func (r *toolTB) Fatal(args ...any) { r.fatal = strings.TrimSpace(sprint(args)) }
func (r *toolTB) Skip(args ...any)  { r.skip = strings.TrimSpace(sprint(args)) }

func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

// A missing tool fails the test under make test (POSTBODE_TEST_TOOLS=required)
// and skips it otherwise, naming the package either way; a present one is
// found by path or in PATH.
func TestToolMissingFailsUnderMake(t *testing.T) {
	t.Setenv("CI", "")
	for _, required := range []string{"required", ""} {
		t.Setenv("POSTBODE_TEST_TOOLS", required)
		r := &toolTB{TB: t}
		Tool(r, "/nonexistent/postbode-tool", "postbode-tool-pkg")
		got, other := r.skip, r.fatal
		if required != "" {
			got, other = r.fatal, r.skip
		}
		if !strings.Contains(got, "Debian package postbode-tool-pkg") || other != "" {
			t.Errorf("POSTBODE_TEST_TOOLS=%q: fatal %q, skip %q", required, r.fatal, r.skip)
		}
	}
	r := &toolTB{TB: t}
	if p := Tool(r, "sh", "dash"); p == "" || r.fatal != "" || r.skip != "" {
		t.Errorf("sh: %q, fatal %q, skip %q", p, r.fatal, r.skip)
	}
}
