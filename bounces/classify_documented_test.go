package bounces

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDocumentedReplies classifies the SMTP replies of
// testdata/documented_replies.tsv: each row is a reply as a vendor, an MTA
// or an RFC documents it, with the source and what the documentation says
// it means. Every row must agree on hard/soft and on the status (the
// enhanced code the reply gives, else the X.0.9NN code of the reason), and
// name the documented reason (one of the readings a|b where the wording
// supports both).
func TestDocumentedReplies(t *testing.T) {
	f, err := os.Open("testdata/documented_replies.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, bad, line := 0, 0, 0
	sources := map[string]bool{}
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		c := strings.Split(text, "\t")
		if len(c) != 7 || !strings.HasPrefix(c[0], "http") {
			t.Fatalf("line %d: want 7 tab-separated columns starting with the source URL, have %d", line, len(c))
		}
		cmd, code, enhanced := c[1], 0, c[3]
		if cmd == "-" {
			cmd = ""
		}
		if enhanced == "-" {
			enhanced = ""
		}
		if code, err = strconv.Atoi(c[2]); err != nil {
			t.Fatalf("line %d: reply code %q: %v", line, c[2], err)
		}
		hard, err := strconv.ParseBool(c[5])
		if err != nil {
			t.Fatalf("line %d: hard %q: %v", line, c[5], err)
		}
		n++
		sources[c[0]] = true
		r := ClassifySMTPReply(cmd, code, enhanced, c[6])
		want := ""
		for _, a := range strings.Split(c[4], "|") {
			if _, ok := pseudoDetail[a]; !ok {
				t.Fatalf("line %d: unknown reason %q", line, a)
			}
			if want == "" || a == r.Reason {
				want = a
			}
		}
		status := enhanced
		if status == "" {
			status, _ = diagStatus(c[6], code)
		}
		if status == "" {
			status = pseudoStatus(want, code >= 400 && code < 500)
		}
		if r.Reason != want || r.Hard() != hard || r.Status != status {
			bad++
			t.Errorf("line %d (%s): ClassifySMTPReply(%q, %d, %q, %q) = %s hard=%v status %s by %q; the documentation says %s hard=%v status %s",
				line, c[0], cmd, code, enhanced, c[6], r.Reason, r.Hard(), r.Status, r.Rule, c[4], hard, status)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 200 {
		t.Errorf("only %d documented replies; the table has lost rows", n)
	}
	t.Logf("%d documented replies from %d sources, %d disagree", n, len(sources), bad)
}
