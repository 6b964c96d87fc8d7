package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Tool returns the path of an outside program a test runs (a browser, a
// verifier): name is an absolute path or a command looked up in PATH, pkg
// the Debian package that brings it (`make test-tools` installs it). A
// missing tool fails the test when tools are required — under make test,
// which sets POSTBODE_TEST_TOOLS=required, and when CI is set — and skips
// it otherwise, saying what to install.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	var path string
	var err error
	if filepath.IsAbs(name) {
		path = name
		if _, err = os.Stat(name); err == nil {
			return path
		}
	} else if path, err = exec.LookPath(name); err == nil {
		return path
	}
	msg := name + " not found: install it with `make test-tools` (Debian package " + pkg + ")"
	if ToolsRequired() {
		t.Fatal(msg + "; make test requires it")
	} else {
		t.Skip(msg)
	}
	return ""
}

// ToolsRequired reports whether a missing outside program fails a test
// rather than skipping it (make test, CI).
func ToolsRequired() bool {
	return os.Getenv("POSTBODE_TEST_TOOLS") == "required" || os.Getenv("CI") != ""
}
