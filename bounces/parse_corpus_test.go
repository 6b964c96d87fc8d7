package bounces

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusRow is one line of testdata/corpus/expected.tsv: what a careful
// analyser finds for one failed recipient of one message.
type corpusRow struct {
	file      string
	index     int
	status    string
	replyCode string
	reason    string
	hard      bool
	feedback  string
}

// readCorpus reads the expected results of the shared bounce corpus
// (real messages from sisimai/set-of-emails, BSD 2-Clause, see
// testdata/corpus/LICENSE.set-of-emails).
func readCorpus(t testing.TB) []corpusRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "corpus", "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		for len(c) < 7 {
			c = append(c, "")
		}
		idx, err := strconv.Atoi(c[1])
		if err != nil {
			t.Fatalf("expected.tsv: index %q: %v", c[1], err)
		}
		rows = append(rows, corpusRow{c[0], idx, c[2], c[3], c[4], c[5] == "true", c[6]})
	}
	return rows
}

// heldOut puts about a fifth of the corpus files aside, by a hash of the
// file name: rules are developed on the rest and checked on these.
func heldOut(file string) bool {
	h := fnv.New32a()
	h.Write([]byte(file))
	return h.Sum32()%5 == 0
}

// agreement counts how many rows agree on each metric.
type agreement struct {
	rows, recipient, hard, status, reason int
}

func (a agreement) pct(n int) float64 {
	if a.rows == 0 {
		return 0
	}
	return 100 * float64(n) / float64(a.rows)
}

// check compares one row with the parser's report. A row for a delivered
// recipient (RFC 3464 Action: delivered) agrees when Parse does not report
// it as failed: postbode reports failures only.
func (a *agreement) check(row corpusRow, rep *Report) (problems []string) {
	a.rows++
	if row.reason == "delivered" {
		ok := true
		for _, r := range rep.Results {
			if r.Class != Unknown || r.Recipient != "" {
				ok = false
			}
		}
		if ok {
			a.recipient++
			a.hard++
			a.status++
			a.reason++
			return nil
		}
		return []string{"delivered recipient reported as failed"}
	}
	if len(rep.Results) < row.index || rep.Results[row.index-1].Recipient == "" {
		return []string{fmt.Sprintf("no recipient %d (have %d results)", row.index, len(rep.Results))}
	}
	r := rep.Results[row.index-1]
	a.recipient++
	if r.Hard() == row.hard {
		a.hard++
	} else {
		problems = append(problems, fmt.Sprintf("hard=%v want %v", r.Hard(), row.hard))
	}
	if r.Status == row.status {
		a.status++
	} else {
		problems = append(problems, fmt.Sprintf("status=%q want %q", r.Status, row.status))
	}
	if r.Reason == row.reason {
		a.reason++
	} else {
		problems = append(problems, fmt.Sprintf("reason=%q want %q", r.Reason, row.reason))
	}
	if len(problems) > 0 {
		problems = append(problems, fmt.Sprintf("(class=%s code=%d diag=%.160q)", r.Class, r.ReplyCode, r.Diagnostic))
	}
	return problems
}

// TestCorpusAgreement runs Parse over the shared corpus and fails below the
// targets: the recipient is found for at least 99% of rows, hard/soft
// agrees for at least 97%, the status for at least 93.5%. The same numbers
// are logged for the held-out fifth.
func TestCorpusAgreement(t *testing.T) {
	rows := readCorpus(t)
	var all, held, dev agreement
	reports := map[string]*Report{}
	for _, row := range rows {
		rep, ok := reports[row.file]
		if !ok {
			raw, err := os.ReadFile(filepath.Join("testdata", "corpus", row.file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err = Parse(raw)
			if err != nil {
				t.Fatalf("%s: %v", row.file, err)
			}
			reports[row.file] = rep
		}
		problems := all.check(row, rep)
		if heldOut(row.file) {
			held.check(row, rep)
			if len(problems) > 0 && os.Getenv("BOUNCES_CORPUS_VERBOSE") == "all" {
				t.Logf("%s #%d: %s", row.file, row.index, strings.Join(problems, "; "))
			}
		} else {
			dev.check(row, rep)
			if len(problems) > 0 && os.Getenv("BOUNCES_CORPUS_VERBOSE") != "" {
				t.Logf("%s #%d: %s", row.file, row.index, strings.Join(problems, "; "))
			}
		}
	}
	for _, x := range []struct {
		name string
		a    agreement
	}{{"all", all}, {"development", dev}, {"held-out", held}} {
		t.Logf("%-11s rows=%3d recipient=%.1f%% hard/soft=%.1f%% status=%.1f%% reason=%.1f%%", x.name, x.a.rows,
			x.a.pct(x.a.recipient), x.a.pct(x.a.hard), x.a.pct(x.a.status), x.a.pct(x.a.reason))
	}
	if all.pct(all.recipient) < 99 {
		t.Errorf("recipient found for %.1f%% of rows, want >= 99%%", all.pct(all.recipient))
	}
	if all.pct(all.hard) < 97 {
		t.Errorf("hard/soft agrees for %.1f%% of rows, want >= 97%%", all.pct(all.hard))
	}
	if all.pct(all.status) < 93.5 {
		t.Errorf("status agrees for %.1f%% of rows, want >= 93.5%%", all.pct(all.status))
	}
}

// TestEveryResultNamesItsRule: whatever decides a result — a table row,
// the DSN's fields or the report's format (feedback report, automatic
// reply) — `postbode bounces classify` can show why, for every result of
// every corpus message and for a message that is no bounce at all.
func TestEveryResultNamesItsRule(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus files: %v (%d)", err, len(files))
	}
	plain := []byte("From: anna@example.org\r\nTo: news@example.org\r\nSubject: hello\r\n\r\nJust a note.\r\n")
	check := func(name string, raw []byte) {
		rep, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, r := range rep.Results {
			if r.Rule == "" {
				t.Errorf("%s #%d (%s/%s): no rule", name, i, r.Class, r.Reason)
			}
		}
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, raw)
	}
	check("a plain message", plain)
}
