package bounces

import (
	"math/rand"
	"strings"
	"testing"
)

// scanMatch is phraseIndex.matchOutside without the index: at each place
// in lower, every phrase of every rule before the best so far, in rule
// order; inside a URL only the phrases with a "/".
func scanMatch(ix *phraseIndex, lower, skip string) (int, string) {
	best, phrase := len(ix.rules), ""
	next := -1
	if skip != "" {
		next = strings.Index(lower, skip)
	}
	inURL := make([]bool, len(lower))
	for _, scheme := range []string{"http://", "https://"} {
		for off := 0; ; {
			j := strings.Index(lower[off:], scheme)
			if j < 0 {
				break
			}
			j += off
			end := strings.IndexAny(lower[j:], " \t\r\n<>\"")
			if end < 0 {
				end = len(lower)
			} else {
				end += j
			}
			for k := j; k < end; k++ {
				inURL[k] = true
			}
			off = j + 1
		}
	}
	for i := 0; i+1 < len(lower) && best > 0; i++ {
		for next >= 0 && next+len(skip) <= i {
			if j := strings.Index(lower[next+1:], skip); j >= 0 {
				next += 1 + j
			} else {
				next = -1
			}
		}
	rules:
		for r := 0; r < best; r++ {
			for _, p := range ix.rules[r].phrases {
				if inURL[i] && !strings.Contains(p, "/") {
					continue
				}
				if len(p) >= 2 && phraseAt(lower, i, p) && (next < 0 || i+len(p) <= next) && (ix.literal || !negated(lower, i)) {
					best, phrase = r, p
					break rules
				}
			}
		}
	}
	if best == len(ix.rules) {
		return -1, ""
	}
	return best, phrase
}

// TestPhraseIndexFindsWhatAScanFinds checks the indexed matcher against a
// plain scan on texts made of the phrases, their beginnings, negations and
// filler, with and without a phrase to skip: the same rule and phrase.
func TestPhraseIndexFindsWhatAScanFinds(t *testing.T) {
	var all []string
	for _, r := range textRules {
		all = append(all, r.phrases...)
	}
	rng := rand.New(rand.NewSource(1))
	fill := []string{" ", "not ", "n't ", "550 ", "5.1.1 ", "user ", "x", "re", "the ", ": ", ".", " http://", "https://", ">", "/"}
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for j := rng.Intn(6); j > 0; j-- {
			if rng.Intn(2) == 0 {
				p := all[rng.Intn(len(all))]
				if rng.Intn(3) == 0 && len(p) > 3 {
					p = p[:rng.Intn(len(p)-1)+1]
				}
				b.WriteString(p)
			}
			b.WriteString(fill[rng.Intn(len(fill))])
		}
		text, skip := b.String(), ""
		if rng.Intn(3) == 0 {
			skip = all[rng.Intn(len(all))]
		}
		for _, ix := range []*phraseIndex{defaultRules, defaultRules.contra, commandIndex} {
			gi, gp := ix.matchOutside(text, skip)
			wi, wp := scanMatch(ix, text, skip)
			if gi != wi || gp != wp {
				t.Fatalf("%q skipping %q: index gives rule %d %q, scan %d %q", text, skip, gi, gp, wi, wp)
			}
		}
	}
}
