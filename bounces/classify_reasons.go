package bounces

import (
	"slices"
	"strings"
)

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
	} else if rule.reason == "userunknown" && domainNotFound(lower) {
		rule = reasonRule{"hostunknown", ordinary, "\"the domain <domain> couldn't be found\" (Gmail's DSN for a recipient domain that does not resolve, under its \"Address not found\" heading)", nil}
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

// domainNotFound reports "the domain <name> couldn't be found" (or "could
// not be found"): the text names the recipient's domain, not a mailbox, as
// missing (Gmail: "Your message wasn't delivered to a@b because the domain
// b couldn't be found").
func domainNotFound(lower string) bool {
	i := strings.Index(lower, "the domain ")
	if i < 0 {
		return false
	}
	rest := lower[i+len("the domain "):]
	name, after, ok := strings.Cut(rest, " ")
	if !ok || !strings.Contains(name, ".") || strings.Contains(name, "@") {
		return false
	}
	return strings.HasPrefix(after, "couldn't be found") || strings.HasPrefix(after, "could not be found")
}

// contradiction is the first rule naming a cause that contradicts a dead
// address, found in lower once the phrase that named the dead address is
// blanked out ("550 5.1.1 user unknown, rejected as spam"), and the names
// of filtering systems too (filterNames): "User unknown (spam filter
// recipient verification)" names the system that looked the address up,
// not a spam verdict.
func (ix *phraseIndex) contradiction(lower, phrase string) (reasonRule, string, bool) {
	i, p := ix.contra.matchOutside(blankFilterNames(lower), phrase)
	if i < 0 {
		return reasonRule{}, "", false
	}
	return ix.contra.rules[i], p, true
}

// filterNames are the names of the systems that filter mail for spam, as
// gateways and hosting panels name themselves in their replies and as
// their products are called ("spam filter", SpamAssassin's and Exim's
// "anti-spam", Barracuda's "Spam Firewall"; a SpamTitan or MailChannels
// recipient check answers "User unknown" as the spam filter that made
// it). They name who answered, not what is wrong with the message: unlike
// "spam" alone they are no verdict that contradicts a dead address. A
// verdict keeps its own words ("rejected as spam", "detected as spam by
// FortiGuard AntiSpam").
var filterNames = []string{"spam filter", "spam-filter", "spamfilter", "anti-spam", "antispam", "spam firewall"}

// filterVerdicts are the words before a filter's name that make it the
// one that refused the message ("rejected by the spam filter"): a verdict
// like "rejected as spam", so the name is not blanked there.
var filterVerdicts = []string{"rejected by", "refused by", "denied by", "stopped by", "quarantined by", "classified by", "identified by", "detected by"}

// blankFilterNames is lower with each of filterNames replaced by spaces
// (offsets unchanged), or lower itself when it has none; a name after one
// of filterVerdicts stays.
func blankFilterNames(lower string) string {
	out := []byte(nil)
	for _, n := range filterNames {
		for from := 0; ; {
			i := strings.Index(lower[from:], n)
			if i < 0 {
				break
			}
			i += from
			from = i + len(n)
			before := strings.TrimSuffix(strings.TrimRight(lower[:i], " "), " the")
			if slices.ContainsFunc(filterVerdicts, func(v string) bool { return strings.HasSuffix(before, v) }) {
				continue
			}
			if out == nil {
				out = []byte(lower)
			}
			copy(out[i:from], strings.Repeat(" ", len(n)))
		}
	}
	if out == nil {
		return lower
	}
	return string(out)
}

// defaultRules is textRules indexed for one pass over a text. It is built
// once and never changed.
var defaultRules = newPhraseIndex(textRules)

// phraseIndex finds, in one scan of a text, the first rule (in rule order)
// with a phrase in the text: phrases are bucketed by their first two bytes,
// and within a bucket by their third.
type phraseIndex struct {
	rules []reasonRule
	// first maps a phrase's first byte to 1 + its row in second, 0 for
	// none; second maps the second byte to 1 + the index in buckets. Two
	// small tables stay in the cache where one of 64K entries would not.
	first   [256]uint8
	second  [][256]uint16
	buckets []phraseBucket
	// contra indexes the rules whose reasons contradict a dead address
	// (see contradicts); nil in contra itself.
	contra *phraseIndex
	// clauses are the clause rules (clauseRules), tried when no phrase
	// matches.
	clauses []clauseRule
	// literal: a phrase after "not " still counts (see negated).
	literal bool
}

// phraseBucket holds the phrases that begin with the same two bytes,
// grouped by their third byte: at a place in a text only the group of the
// text's third byte there can match.
type phraseBucket struct {
	thirds string        // the distinct third bytes, one a group
	groups [][]phraseRef // the phrases of each third byte, in rule order
	short  []phraseRef   // the phrases of two bytes, in rule order
}

// phraseRef is one phrase of rule number rule; order is its place in the
// bucket (rule order), which decides between the groups.
type phraseRef struct {
	rule   int
	phrase string
	order  int
	// inURL: the phrase names part of a URL ("docs/smtplf", with a
	// "/"), so it may match inside one; other phrases do not (see urlEnd).
	inURL bool
}

func newPhraseIndex(rules []reasonRule) *phraseIndex {
	ix := indexPhrases(rules)
	var contra []reasonRule
	for _, r := range rules {
		if contradicts[r.reason] || r.strength == overrules {
			contra = append(contra, r)
		}
	}
	ix.contra = indexPhrases(contra)
	ix.clauses = clauseRules
	return ix
}

// indexPhrases buckets the phrases of rules by their first two bytes and
// groups each bucket by the third.
func indexPhrases(rules []reasonRule) *phraseIndex {
	ix := &phraseIndex{rules: rules}
	for i, r := range rules {
		for _, p := range r.phrases {
			if len(p) < 2 {
				continue
			}
			if ix.first[p[0]] == 0 {
				ix.second = append(ix.second, [256]uint16{})
				ix.first[p[0]] = uint8(len(ix.second))
			}
			row := &ix.second[ix.first[p[0]]-1]
			if row[p[1]] == 0 {
				ix.buckets = append(ix.buckets, phraseBucket{})
				row[p[1]] = uint16(len(ix.buckets))
			}
			b := &ix.buckets[row[p[1]]-1]
			ref := phraseRef{rule: i, phrase: p, order: b.size(), inURL: strings.IndexByte(p, '/') >= 0}
			if len(p) == 2 {
				b.short = append(b.short, ref)
				continue
			}
			g := strings.IndexByte(b.thirds, p[2])
			if g < 0 {
				b.thirds += p[2:3]
				b.groups = append(b.groups, nil)
				g = len(b.groups) - 1
			}
			b.groups[g] = append(b.groups[g], ref)
		}
	}
	return ix
}

// size is the number of phrases in the bucket.
func (b *phraseBucket) size() int {
	n := len(b.short)
	for _, g := range b.groups {
		n += len(g)
	}
	return n
}

// match is the index of the first rule with a phrase in lower, and the
// phrase; -1 when none.
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
	url := 0 // end of the URL the scan is in, or before
	for i := 0; i+1 < len(lower); i++ {
		if lower[i] == 'h' && i >= url {
			url = urlEnd(lower, i)
		}
		r := ix.first[lower[i]]
		if r == 0 {
			continue
		}
		n := ix.second[r-1][lower[i+1]]
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
		// The first phrase in rule order that holds here: the first of
		// the third byte's group and of the two-byte phrases, whichever
		// comes first in the bucket.
		b := &ix.buckets[n-1]
		var found *phraseRef
		if i+2 < len(lower) {
			if g := strings.IndexByte(b.thirds, lower[i+2]); g >= 0 {
				found = ix.firstAt(b.groups[g], lower, i, next, best, i < url)
			}
		}
		if len(b.short) > 0 {
			if s := ix.firstAt(b.short, lower, i, next, best, i < url); s != nil && (found == nil || s.order < found.order) {
				found = s
			}
		}
		if found != nil {
			best, phrase = found.rule, found.phrase
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

// firstAt is the first of refs (in rule order, rule below best) whose
// phrase is at lower[i:], ends before the occurrence of skip at next (-1
// for none) and is not negated; nil when none is. Inside a URL (inURL)
// only the phrases that name part of one count.
func (ix *phraseIndex) firstAt(refs []phraseRef, lower string, i, next, best int, inURL bool) *phraseRef {
	for k := range refs {
		ref := &refs[k]
		if ref.rule >= best {
			break
		}
		if inURL && !ref.inURL {
			continue
		}
		if phraseAt(lower, i, ref.phrase) && (next < 0 || i+len(ref.phrase) <= next) && (ix.literal || !negated(lower, i)) {
			return ref
		}
	}
	return nil
}

// phraseAt reports whether phrase stands at lower[i:]. A phrase of three
// bytes or fewer ("ube", "rbl", "spf") must stand as a word of its own: as
// part of a longer word it is chance ("ruben@", "marble", "spfeiffer@").
// So must the last word of a longer phrase when it is that short: Dutch
// "postvak vol" (full) is not "postvak volgens" (according to).
func phraseAt(lower string, i int, phrase string) bool {
	if !strings.HasPrefix(lower[i:], phrase) {
		return false
	}
	j := i + len(phrase)
	if len(phrase) > 3 {
		return !shortLastWord(phrase) || j == len(lower) || !isLetter(lower[j])
	}
	return (i == 0 || !isLetter(lower[i-1])) && (j == len(lower) || !isLetter(lower[j]))
}

// shortLastWord reports whether phrase ends in a word of one to three
// letters after a space ("postvak vol", "no ptr").
func shortLastWord(phrase string) bool {
	sp := strings.LastIndexByte(phrase, ' ')
	if sp < 0 || len(phrase)-sp-1 > 3 {
		return false
	}
	for k := sp + 1; k < len(phrase); k++ {
		if !isLetter(phrase[k]) {
			return false
		}
	}
	return true
}

// urlEnd is the end of the URL that starts at lower[i:] ("http://" or
// "https://" up to white space or a character RFC 3986 section 2 does not
// allow in a URI unencoded: '<', '>', '"'), or i when none starts there.
// A reply's help link is the provider's address, not its statement:
// NetEase's "http://mail.163.com/help/help_spam_16.htm" in a refusal does
// not make it a spam verdict.
func urlEnd(lower string, i int) int {
	rest := lower[i:]
	var n int
	switch {
	case strings.HasPrefix(rest, "http://"):
		n = len("http://")
	case strings.HasPrefix(rest, "https://"):
		n = len("https://")
	default:
		return i
	}
	for j := i + n; j < len(lower); j++ {
		switch lower[j] {
		case ' ', '\t', '\r', '\n', '<', '>', '"':
			return j
		}
	}
	return len(lower)
}

// outsideURLs is lower with every URL (urlEnd) blanked out, byte for byte,
// so that offsets stay offsets in lower; lower itself when it has none.
// The word checks (the clause rules' nouns and predicates, the conflict
// words, the words naming the client or the sender) read it: a URL is an
// address, not a statement, whatever words its path has ("550 No such user
// - see https://example.com/spam-policy" names no spam), as the phrases
// only match inside one when they name part of a URL (phraseRef.inURL).
func outsideURLs(lower string) string {
	var b []byte
	for i := 0; i < len(lower); {
		j := strings.Index(lower[i:], "http")
		if j < 0 {
			break
		}
		i += j
		end := urlEnd(lower, i)
		if end == i {
			i++
			continue
		}
		if b == nil {
			b = []byte(lower)
		}
		for k := i; k < end; k++ {
			b[k] = ' '
		}
		i = end
	}
	if b == nil {
		return lower
	}
	return string(b)
}

// negated reports whether the phrase at lower[i:] is negated: right after
// "not " or "n't " ("User not listed in the directory" names no block
// list, "the account is not suspended" no suspension).
func negated(lower string, i int) bool {
	return strings.HasSuffix(lower[:i], "not ") || strings.HasSuffix(lower[:i], "n't ")
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

// clauseMatch is the clause rule a lower-case text matches when no phrase
// does: the rule (as an ordinary text rule) and the clause's words that
// matched ("user ... not found").
func (ix *phraseIndex) clauseMatch(lower string) (reasonRule, string, bool) {
	for _, cr := range ix.clauses {
		for rest := lower; rest != ""; {
			clause := rest
			end := clauseEnd(rest)
			clause, rest = rest[:end], rest[end:]
			if len(rest) > 0 {
				rest = rest[1:]
			}
			if anyWord(clause, cr.guards) != "" {
				continue
			}
			n := anyWord(clause, cr.nouns)
			if n == "" {
				continue
			}
			if p := anyWord(clause, cr.preds); p != "" {
				return reasonRule{cr.reason, ordinary, cr.source, nil}, n + clauseGap + p, true
			}
		}
	}
	return reasonRule{}, "", false
}

// clauseGap joins the noun and the predicate of a clause match.
const clauseGap = " ... "

// clauseEnd is the length of the first clause of s: up to ";", ":", "!",
// "?", a parenthesis, or a "." or "," followed by a space (not the dots of
// a domain).
func clauseEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ';', ':', '!', '?', '(', ')':
			return i
		case '.', ',':
			if i+1 == len(s) || s[i+1] == ' ' {
				return i
			}
		}
	}
	return len(s)
}

// anyWord returns the first of words that occurs in s as a whole word
// (not inside a longer word), or "".
func anyWord(s string, words []string) string {
	for _, w := range words {
		for off := 0; ; {
			i := strings.Index(s[off:], w)
			if i < 0 {
				break
			}
			i += off
			j := i + len(w)
			if (i == 0 || !isLetter(s[i-1])) && (j == len(s) || !isLetter(s[j])) {
				return w
			}
			off = i + 1
		}
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
