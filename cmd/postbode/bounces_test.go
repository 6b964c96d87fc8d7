package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBouncesClassify runs `postbode bounces classify` on corpus files
// and on stdin and checks the JSON lines.
func TestBouncesClassify(t *testing.T) {
	dir := filepath.Join("..", "..", "bounces", "testdata", "corpus", "eml")
	dsn := filepath.Join(dir, "lhost-postfix-36.eml") // one hard bounce (user unknown at RCPT TO)
	full := filepath.Join(dir, "lhost-amazonses-03.eml")
	multi := filepath.Join(dir, "lhost-v5sendmail-05.eml")

	out, stderr, err := runClassify(t, nil, dsn, full, multi)
	if err != nil {
		t.Fatalf("classify: %v\n%s", err, stderr)
	}
	lines := decodeLines(t, out)
	if len(lines) < 4 {
		t.Fatalf("got %d lines, want at least 4:\n%s", len(lines), out)
	}
	first := lines[0]
	if first["file"] != dsn || first["recipient"] != "otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp" ||
		first["class"] != "hard" || first["reason"] != "userunknown" || first["hard"] != true ||
		first["reply_code"] != float64(550) || first["status"] != "5.0.0" {
		t.Errorf("first line = %v", first)
	}
	// The line names the rule that decided, with its source.
	if rule, _ := first["rule"].(string); !strings.Contains(rule, "user unknown") || !strings.Contains(rule, "RFC 3463") {
		t.Errorf("first line's rule = %q, want the user-unknown text rule and its source", first["rule"])
	}
	// It says where the status comes from and which registry code the
	// reason names: the DSN gives only 5.0.0, so 5.1.1 is derived from
	// userunknown.
	if sr, _ := first["status_rule"].(string); !strings.Contains(sr, "5.0.0") {
		t.Errorf("first line's status_rule = %q, want where 5.0.0 comes from", first["status_rule"])
	}
	if first["standard_status"] != "5.1.1" {
		t.Errorf("first line's standard_status = %v, want 5.1.1", first["standard_status"])
	}
	if sr, _ := first["standard_status_rule"].(string); !strings.Contains(sr, "derived from reason userunknown") || !strings.Contains(sr, "RFC 3463 section 3.2") {
		t.Errorf("first line's standard_status_rule = %q, want the derivation and its source", first["standard_status_rule"])
	}
	if l := lines[1]; l["file"] != full || l["reason"] != "mailboxfull" || l["hard"] != false || l["class"] != "soft" {
		t.Errorf("second line = %v", l)
	}
	perFile := 0
	for _, l := range lines {
		for _, k := range []string{"file", "recipient", "class", "reason", "status", "reply_code", "hard"} {
			if _, ok := l[k]; !ok {
				t.Errorf("line %v lacks %q", l, k)
			}
		}
		if l["file"] == multi {
			perFile++
		}
	}
	if perFile < 2 {
		t.Errorf("a message with several failed recipients gave %d lines", perFile)
	}

	raw, err := os.ReadFile(dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-"}, {}} {
		out, stderr, err := runClassify(t, raw, args...)
		if err != nil {
			t.Fatalf("classify %v from stdin: %v\n%s", args, err, stderr)
		}
		if l := decodeLines(t, out); len(l) != 1 || l[0]["file"] != "-" || l[0]["hard"] != true {
			t.Errorf("stdin %v: %v", args, l)
		}
	}

	// A missing file is reported, the others are still classified, and
	// the command fails.
	out, stderr, err = runClassify(t, nil, filepath.Join(t.TempDir(), "nope.eml"), dsn)
	if err == nil || !strings.Contains(stderr, "nope.eml") || len(decodeLines(t, out)) != 1 {
		t.Errorf("missing file: err=%v stderr=%q out=%q", err, stderr, out)
	}
}

func runClassify(t *testing.T, stdin []byte, files ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"bounces", "classify"}, files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}
