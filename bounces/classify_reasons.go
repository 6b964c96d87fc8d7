package bounces

import "strings"

// textMatch is the text rule a lower-case diagnostic text matches: the
// rule, the phrase that matched, and ok false when none does. A
// "<domain> does not exist" names a host, not a mailbox.
func (ix *phraseIndex) textMatch(lower string) (rule reasonRule, phrase string, ok bool) {
	i, phrase := ix.match(lower)
	if i < 0 {
		return reasonRule{}, "", false
	}
	rule = ix.rules[i]
	if rule.reason == "userunknown" && domainDoesNotExist(lower) {
		rule = reasonRule{"hostunknown", ordinary, "\"<domain> does not exist\" (Exim relaying a remote reply)", nil}
	}
	return rule, phrase, true
}

// domainDoesNotExist reports "<domain> does not exist": the text names a
// host, not a mailbox, as missing (Exim relaying a remote reply).
func domainDoesNotExist(lower string) bool {
	i := strings.Index(lower, " does not exist")
	if i <= 0 {
		return false
	}
	w := lower[:i]
	if j := strings.LastIndexAny(w, " :<>[]()"); j >= 0 {
		w = w[j+1:]
	}
	return strings.Contains(w, ".") && !strings.Contains(w, "@") && !isDigit(w[len(w)-1])
}

// contradiction is the first rule naming a cause that contradicts a dead
// address, found in lower once the phrase that named the dead address is
// blanked out ("550 5.1.1 user unknown, rejected as spam").
func (ix *phraseIndex) contradiction(lower, phrase string) (reasonRule, string, bool) {
	i, p := ix.contra.matchOutside(lower, phrase)
	if i < 0 {
		return reasonRule{}, "", false
	}
	return ix.contra.rules[i], p, true
}

// defaultRules is textRules indexed for one pass over a text. It is built
// once and never changed.
var defaultRules = newPhraseIndex(textRules)

// phraseIndex finds, in one scan of a text, the first rule (in rule order)
// with a phrase in the text: phrases are bucketed by their first two bytes.
type phraseIndex struct {
	rules   []reasonRule
	slot    [1 << 16]uint16 // first two bytes -> 1 + index in buckets, 0 for none
	buckets [][]phraseRef
	// contra indexes the rules whose reasons contradict a dead address
	// (see contradicts); nil in contra itself.
	contra *phraseIndex
}

// phraseRef is one phrase of rule number rule.
type phraseRef struct {
	rule   int
	phrase string
}

func newPhraseIndex(rules []reasonRule) *phraseIndex {
	ix := indexPhrases(rules)
	var contra []reasonRule
	for _, r := range rules {
		if contradicts[r.reason] {
			contra = append(contra, r)
		}
	}
	ix.contra = indexPhrases(contra)
	return ix
}

// indexPhrases buckets the phrases of rules by their first two bytes.
func indexPhrases(rules []reasonRule) *phraseIndex {
	ix := &phraseIndex{rules: rules}
	for i, r := range rules {
		for _, p := range r.phrases {
			if len(p) < 2 {
				continue
			}
			k := int(p[0])<<8 | int(p[1])
			if ix.slot[k] == 0 {
				ix.buckets = append(ix.buckets, nil)
				ix.slot[k] = uint16(len(ix.buckets))
			}
			b := ix.slot[k] - 1
			ix.buckets[b] = append(ix.buckets[b], phraseRef{i, p})
		}
	}
	return ix
}

// match returns the index of the earliest rule with a phrase in lower and
// that phrase, or -1.
func (ix *phraseIndex) match(lower string) (int, string) {
	return ix.matchOutside(lower, "")
}

// matchOutside is match ignoring phrases that overlap an occurrence of
// skip (none when skip is "").
func (ix *phraseIndex) matchOutside(lower, skip string) (int, string) {
	best, phrase := len(ix.rules), ""
	next := -1 // start of the next occurrence of skip at or after i
	if skip != "" {
		next = strings.Index(lower, skip)
	}
	for i := 0; i+1 < len(lower); i++ {
		n := ix.slot[int(lower[i])<<8|int(lower[i+1])]
		if n == 0 {
			continue
		}
		for next >= 0 && next+len(skip) <= i {
			if j := strings.Index(lower[next+1:], skip); j >= 0 {
				next += 1 + j
			} else {
				next = -1
			}
		}
		for _, ref := range ix.buckets[n-1] {
			if ref.rule < best && strings.HasPrefix(lower[i:], ref.phrase) && (next < 0 || i+len(ref.phrase) <= next) {
				best, phrase = ref.rule, ref.phrase
			}
		}
		if best == 0 {
			break
		}
	}
	if best == len(ix.rules) {
		return -1, ""
	}
	return best, phrase
}

// statusRule returns the status rule of an RFC 3463 enhanced status code,
// ok false when the code is missing or has no rule.
func statusRuleOf(st string) (statusRule, bool) {
	if len(st) < 5 {
		return statusRule{}, false
	}
	r, ok := statusIndex[st[2:]]
	return r, ok
}

// statusIndex is statusRules by "subject.detail".
var statusIndex = func() map[string]statusRule {
	m := make(map[string]statusRule, len(statusRules))
	for _, r := range statusRules {
		m[r.code] = r
	}
	return m
}()
