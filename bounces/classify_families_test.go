package bounces

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// family is the sending software of a corpus file: its name up to the
// number ("eml/lhost-postfix-28.eml" -> "lhost-postfix").
func family(file string) string {
	name := strings.TrimSuffix(filepath.Base(file), ".eml")
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		return name[:i]
	}
	return name
}

// familyScore counts the agreement of one family's rows, and the hard
// results for precision and recall.
type familyScore struct {
	agreement
	calledHard, trueHard, hardAndTrue, falseHard int
}

func (s *familyScore) add(row corpusRow, rep *Report) {
	s.check(row, rep)
	if row.reason == "delivered" {
		return
	}
	hard := len(rep.Results) >= row.index && rep.Results[row.index-1].Hard()
	if hard {
		s.calledHard++
	}
	if row.hard {
		s.trueHard++
	}
	switch {
	case hard && row.hard:
		s.hardAndTrue++
	case hard:
		s.falseHard++
	}
}

func (s *familyScore) plus(o familyScore) {
	s.rows += o.rows
	s.recipient += o.recipient
	s.hard += o.hard
	s.status += o.status
	s.reason += o.reason
	s.calledHard += o.calledHard
	s.trueHard += o.trueHard
	s.hardAndTrue += o.hardAndTrue
	s.falseHard += o.falseHard
}

func (s familyScore) precision() float64 { return ratio(s.hardAndTrue, s.calledHard) }
func (s familyScore) recall() float64    { return ratio(s.hardAndTrue, s.trueHard) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// clauseKey is one noun or predicate of one clause rule.
type clauseKey struct {
	rule int
	word string
}

// withoutPhrases is textRules with the given phrases left out of every
// rule that has them, and clauseRules with the given nouns and predicates
// left out.
func withoutPhrases(drop map[string]bool, dropWords map[clauseKey]bool) *phraseIndex {
	rules := make([]reasonRule, len(textRules))
	for i, r := range textRules {
		rules[i] = r
		rules[i].phrases = nil
		for _, p := range r.phrases {
			if !drop[p] {
				rules[i].phrases = append(rules[i].phrases, p)
			}
		}
	}
	ix := newPhraseIndex(rules)
	keep := func(i int, words []string) []string {
		var out []string
		for _, w := range words {
			if !dropWords[clauseKey{i, w}] {
				out = append(out, w)
			}
		}
		return out
	}
	ix.clauses = make([]clauseRule, len(clauseRules))
	for i, c := range clauseRules {
		ix.clauses[i] = c
		ix.clauses[i].nouns = keep(i, c.nouns)
		ix.clauses[i].preds = keep(i, c.preds)
	}
	return ix
}

// phrasesIn are the distinct phrases of textRules, of any rule, that stand
// in lower (phraseAt, not negated). Not only the phrase that decided: when
// it is left out, the next one would decide in its place, and a text often
// has several that only its family uses ("this user doesn't have a
// yahoo.com account" has "this user doesn't have", "user doesn't have a"
// and "user doesn't have"; "recipnotfound" is both a directory statement
// and an ordinary phrase).
func phrasesIn(lower string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range textRules {
		for _, p := range r.phrases {
			if seen[p] || len(p) < 2 {
				continue
			}
			for off := 0; ; {
				j := strings.Index(lower[off:], p)
				if j < 0 {
					break
				}
				j += off
				if phraseAt(lower, j, p) && !negated(lower, j) {
					seen[p] = true
					out = append(out, p)
					break
				}
				off = j + 1
			}
		}
	}
	return out
}

// TestLeaveOneFamilyOut measures how the classification holds on mail from
// software it was not written from. The rules are hand-written, so they
// cannot be retrained without a family; instead, for each family, the text
// phrases that stand only in that family's text-decided results are
// taken out of every rule that has them (a phrase no other family uses
// would not have been written without it; all of them, not only the one
// that decided, since the next would decide in its place, and the
// directory statements of localUnknown repeat phrases of the ordinary
// rules), and the family is scored with what is left; so are the nouns and
// predicates of the clause rules that no other family's results use.
// The status, reply-code and command rules are general (RFCs) and stay.
// The estimate therefore measures only what the text rules learnt from a
// family: a wording no family has would be missed on unseen mail and is
// not counted here. Reported per family and
// in total, as-is and left out: agreement on recipient, hard/soft and
// status, and hard precision (of the results called hard, how many are)
// and recall (of the hard rows, how many are called hard), with false
// hards as a share of all rows. It fails when, as-is, false hards exceed
// 1% of the rows or hard precision falls below 97%, and when, with
// families left out, false hards exceed 1%, hard/soft agreement falls
// below 94.2% or status agreement below 91.0%.
func TestLeaveOneFamilyOut(t *testing.T) {
	rows := readCorpus(t)
	raws := map[string][]byte{}
	for _, row := range rows {
		if _, ok := raws[row.file]; ok {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "corpus", row.file))
		if err != nil {
			t.Fatal(err)
		}
		raws[row.file] = raw
	}
	// Which phrase decides each file's results, and in which families.
	// The words of the clause rules are vocabulary, not phrases: a noun or
	// predicate counts as used by a family when it is in the diagnostic of
	// a result given the clause rule's reason in that family's files,
	// whichever rule decided it; one used by a single family is left out
	// with it, like a phrase, and one used by none is left out always.
	users := map[string]map[string]bool{}
	words := map[clauseKey]map[string]bool{}
	for file, raw := range raws {
		for _, r := range parse(raw).Results {
			for i, c := range clauseRules {
				if r.Reason != c.reason {
					continue
				}
				lower := asciiLower(r.Diagnostic)
				for _, w := range append(append([]string(nil), c.nouns...), c.preds...) {
					if anyWord(lower, []string{w}) == "" {
						continue
					}
					k := clauseKey{i, w}
					if words[k] == nil {
						words[k] = map[string]bool{}
					}
					words[k][family(file)] = true
				}
			}
			if !strings.HasPrefix(r.Rule, "text ") && !strings.Contains(r.Rule, "; text ") {
				continue
			}
			for _, p := range phrasesIn(asciiLower(r.Diagnostic)) {
				if users[p] == nil {
					users[p] = map[string]bool{}
				}
				users[p][family(file)] = true
			}
		}
	}
	byFamily := map[string][]corpusRow{}
	for _, row := range rows {
		byFamily[family(row.file)] = append(byFamily[family(row.file)], row)
	}
	names := make([]string, 0, len(byFamily))
	for f := range byFamily {
		names = append(names, f)
	}
	sort.Strings(names)
	var asIs, out familyScore
	var lines []string
	for _, f := range names {
		drop := map[string]bool{}
		var dropped []string
		for p, fams := range users {
			if len(fams) == 1 && fams[f] {
				drop[p] = true
				dropped = append(dropped, fmt.Sprintf("%q", p))
			}
		}
		dropWords := map[clauseKey]bool{}
		for i, c := range clauseRules {
			for _, w := range append(append([]string(nil), c.nouns...), c.preds...) {
				k := clauseKey{i, w}
				switch fams := words[k]; {
				case len(fams) == 0:
					dropWords[k] = true // no family's hard result has it
				case len(fams) == 1 && fams[f]:
					dropWords[k] = true
					dropped = append(dropped, fmt.Sprintf("%s clause:%q", c.reason, w))
				}
			}
		}
		sort.Strings(dropped)
		ix := withoutPhrases(drop, dropWords)
		var a, o familyScore
		for _, row := range byFamily[f] {
			a.add(row, parse(raws[row.file]))
			rep := parseWith(raws[row.file], ix)
			o.add(row, rep)
			if os.Getenv("BOUNCES_CORPUS_VERBOSE") != "" && row.reason != "delivered" && len(rep.Results) >= row.index {
				if r := rep.Results[row.index-1]; r.Hard() != row.hard || r.Status != row.status {
					t.Logf("left out: %s #%d: hard=%v want %v, status %s want %s (%s): %s | %.120s", row.file, row.index, r.Hard(), row.hard, r.Status, row.status, row.reason, r.Rule, r.Diagnostic)
				}
			}
		}
		asIs.plus(a)
		out.plus(o)
		lines = append(lines, fmt.Sprintf("| %-20s | %3d | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | %2d | %s |", f, o.rows,
			a.pct(a.hard), o.pct(o.recipient), o.pct(o.hard), a.pct(a.status), o.pct(o.status), o.falseHard, strings.Join(dropped, ", ")))
	}
	t.Logf("| family | rows | hard/soft as-is | recipient left out | hard/soft left out | status as-is | status left out | false hards left out | phrases only this family uses |")
	for _, l := range lines {
		t.Log(l)
	}
	for _, x := range []struct {
		name string
		s    familyScore
	}{{"as-is", asIs}, {"left out", out}} {
		t.Logf("%-8s rows=%d recipient=%.1f%% hard/soft=%.1f%% status=%.1f%% hard precision=%.1f%% (%d/%d) recall=%.1f%% (%d/%d) false hards=%d (%.1f%% of rows)",
			x.name, x.s.rows, x.s.pct(x.s.recipient), x.s.pct(x.s.hard), x.s.pct(x.s.status),
			x.s.precision(), x.s.hardAndTrue, x.s.calledHard, x.s.recall(), x.s.hardAndTrue, x.s.trueHard,
			x.s.falseHard, x.s.pct(x.s.falseHard))
	}
	if asIs.pct(asIs.falseHard) > 1 {
		t.Errorf("as-is: %d false hards (%.1f%% of rows), want <= 1%%", asIs.falseHard, asIs.pct(asIs.falseHard))
	}
	if asIs.precision() < 97 {
		t.Errorf("as-is: hard precision %.1f%%, want >= 97%%", asIs.precision())
	}
	// With families left out the floors are the levels last measured
	// (raised with the clause rules, the reply-code precedence and "try
	// again" as a sign of a passing failure; measured again when every
	// phrase only a family has came to be left out; status raised with the
	// general rules for a lookup to try again, a size limit and a URI block
	// list; hard/soft and false hards with the recipient's own choice
	// overruling a dead address), so that a
	// change making the rules fit the corpus more and the world less shows.
	if out.pct(out.falseHard) > 1 {
		t.Errorf("families left out: %d false hards (%.1f%% of rows), want <= 1%%", out.falseHard, out.pct(out.falseHard))
	}
	if out.pct(out.hard) < 94.2 {
		t.Errorf("families left out: hard/soft agrees for %.1f%%, want >= 94.2%%", out.pct(out.hard))
	}
	if out.pct(out.status) < 91.0 {
		t.Errorf("families left out: status agrees for %.1f%%, want >= 91.0%%", out.pct(out.status))
	}
}
