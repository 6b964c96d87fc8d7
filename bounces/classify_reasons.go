package bounces

import "strings"

// reasonRule names a reason and the lower-case phrases of diagnostic texts
// that establish it. The phrases are the ones the common mail systems
// (Postfix, Sendmail, Exim, qmail, Exchange/Office 365, Gmail, Yahoo,
// Outlook.com, Amazon SES, ...) put in their replies.
type reasonRule struct {
	reason  string
	phrases []string
}

// reasonRules are tried in order; the first rule with a matching phrase
// wins. More specific rules come first: a "mailbox full" reply also
// contains "mailbox", a spam block also says "rejected".
var reasonRules = []reasonRule{
	{"hostunknown", []string{"account or domain may not exist"}}, // Exim (cPanel)
	{"networkerror", []string{"host not found, try again", "temporary failure in name resolution"}},
	{"rejected", []string{"you may not have permission to post"}},
	// KDDI (au, ezweb.ne.jp) answers its subscribers' own reception
	// filters with a bare "550 : User unknown".
	{"filtered", []string{"550 : user unknown"}},
	// Statements of a mail system about its own directory.
	{"userunknown", localUnknown},
	{"authfailure", []string{"dmarc", "spf", "dkim", "sender authentication", "sender id"}},
	{"policyviolation", []string{"by policy", "policy reasons", "policy violation", "violates", "content policy"}},
	{"blocked", []string{
		"spamhaus", "blocked using", "dnsbl", "blacklist", "black list", "blocklist", "block list",
		"spamcop", "sorbs", "barracudacentral", "listed at", "listed on", "listed in",
	}},
	{"rejected", []string{
		"sender address rejected", "sender verify failed", "sender rejected",
		"domain of sender", "sender domain", "invalid sender", "bad sender",
		"unverified sender", "sender denied", "sender not allowed", "envelope sender",
		"sender is not", "sender address is", "sender verification",
	}},
	{"notaccept", []string{
		"null mx", "does not accept mail", "doesn't accept mail", "accepts no mail",
		"domain does not receive mail", "not accepting any mail", "is not accepting mail",
	}},
	{"norelaying", []string{
		"relay access denied", "relaying denied", "relay denied", "not permitted to relay",
		"relay not permitted", "unable to relay", "we do not relay", "relaying not allowed",
		"not allowed to relay", "relaying mail to", "no relaying", "relay prohibited",
		"is not a gateway", "relay is not allowed", "relaying not permitted",
	}},
	{"virusdetected", []string{
		"virus", "malware", "infected", "malicious", "banned attachment",
	}},
	{"mailboxfull", []string{
		"mailbox full", "mailbox is full", "mailbox is over", "mailbox size limit",
		"over quota", "overquota", "quota exceeded", "exceeded quota", "exceed quota",
		"exceeds quota", "quota exceed", "over the quota", "over its quota", "user is over",
		"disk quota", "mailfolder is full", "mail box full", "mailbox has exceeded",
		"account is full", "full mailbox", "insufficient storage", "not enough storage",
		"exceeded storage", "out of storage", "storage quota", "exceeded its storage",
		"mailbox exceeded", "is over the allowed", "mail quota", "quota full", "inbox is full",
		"mailbox quota", "size of the mailbox", "too many messages in", "has exceeded the max",
		"exceeded the quota", "user's mailbox is full", "recipient's mailbox is full",
		"mailbox would exceed", "would exceed mailbox quota",
	}},
	{"mesgtoobig", []string{
		"message too large", "message is too large", "message too big", "message is too big",
		"message size exceeds", "exceeds the maximum size", "exceeds size limit",
		"size exceeds", "message exceeds", "message length exceeds", "too large for",
		"exceeded the maximum message size", "exceeds maximum", "maximum message size",
		"message file too big", "mail size limit", "size limit exceeded",
	}},
	{"hasmoved", []string{
		"has moved", "address has changed", "no longer at this address", "user has moved",
		"mailbox has moved", "has been moved", "moved permanently", "user not local",
	}},
	{"suspend", []string{
		"account disabled", "account is disabled", "account has been disabled",
		"mailbox disabled", "mailbox is disabled", "mailbox has been disabled",
		"disabled or discontinued", "suspended", "is inactive", "mailbox inactive",
		"account inactive", "inactive account", "inactive mailbox", "deactivated",
		"account is locked", "account has been locked", "mailbox is frozen", "account expired",
		"not active", "is no longer active", "has been terminated", "blocked mailbox",
		"mailbox not active", "discontinued", "user account disabled", "temporarily disabled",
		"is disabled", "has been disabled", "account is unavailable", "mailbox unavailable or inactive",
	}},
	{"hostunknown", []string{
		"host not found", "host unknown", "unknown host", "domain not found",
		"domain does not exist", "domain doesn't exist", "no such domain", "unknown domain",
		"nxdomain", "name or service not known", "unrouteable mail domain",
		"host or domain name not found", "domain name not found", "no mx record",
		"illegal host/domain", "no valid mx", "domain is invalid", "invalid domain",
		"unresolvable", "domain unknown", "no such host", "hostname not found",
		"could not be resolved", "mx lookup failed", "dns error", "unknown mail domain",
		"domain lookup failed", "non-existent domain", "nonexistent domain",
		"not a valid domain", "bad destination system address", "no mail exchanger",
		"domain is not reachable",
	}},
	{"userunknown", []string{
		"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
		"no such account", "no such person", "unknown recipient", "recipient unknown",
		"recipient not found", "recipientnotfound", "recipnotfound", "user not found",
		"mailbox not found", "mailbox unavailable", "mailbox does not exist",
		"does not exist", "doesn't exist", "not exist", "invalid recipient", "invalid mailbox",
		"invalid address", "invalid user", "unknown address", "address unknown",
		"address not found", "unknown local part", "no mailbox here", "not a valid mailbox",
		"is not a known user", "unknown or illegal alias", "unrouteable address",
		"bad destination mailbox", "mailbox is unavailable", "no mailbox", "user not exist",
		"not our customer", "addressee unknown", "user invalid",
		"account does not exist", "recipient address rejected: user", "unknown account",
		"unknown alias", "unknown mailbox", "no valid recipients", "mailbox not available", "undeliverable address", "user doesn't have", "user does not have", "not a known user",
		"user is unknown", "recipient invalid",
		"recipient address rejected: access denied",
		"recipient does not exist", "no such address", "unknown e-mail address", "invalid email address",
	}},
	{"requireptr", []string{
		"reverse dns", "reverse lookup", "ptr record", "no ptr", "rdns", "reverse hostname",
		"cannot find your hostname", "cannot resolve your address", "reverse address",
		"reverse dns lookup", "ip name lookup failed", "find your hostname",
		"does not resolve to", "client host rejected: cannot find",
	}},
	{"authfailure", []string{
		"dmarc", "spf", "dkim", "sender authentication", "not authenticated",
		"unauthenticated", "authentication failed", "failed authentication", "sender id",
	}},
	{"securityerror", []string{
		"tls required", "must issue a starttls", "starttls", "encryption required",
		"authentication required", "insecure", "tls is required",
	}},
	{"spamdetected", []string{
		"spam", "junk mail", "bulk mail", "unsolicited", "ube", "content rejected",
		"message content", "content filter", "rejected by content", "looks suspicious",
		"suspicious", "phish",
	}},
	{"badreputation", []string{
		"reputation", "sender score",
	}},
	{"blocked", []string{
		"blacklist", "black list", "blocklist", "block list", "blocked", "listed at",
		"listed on", "listed in", "dnsbl", "rbl", "spamhaus", "spamcop", "barracuda",
		"client host rejected", "banned", "your ip", "ip address", "access denied",
		"connection refused by", "not allowed to send", "refused to talk",
		"rejected because", "poor reputation", "not permitted", "host rejected",
	}},
	{"toomanyconn", []string{
		"too many connections", "too many concurrent", "connection limit",
		"too many sessions", "too many simultaneous", "connection rate limit",
	}},
	{"speeding", []string{
		"rate limit", "too many messages", "throttl", "sending rate", "too fast",
		"rate exceeded", "message rate",
	}},
	{"exceedlimit", []string{
		"too many recipients", "recipient limit", "exceeds the limit", "limit exceeded",
	}},
	{"policyviolation", []string{
		"policy", "violat", "prohibited", "not allowed",
	}},
	{"expired", []string{
		"retry time not reached", "retry timeout exceeded", "delivery time expired",
		"message expired", "expired", "giving up", "too long in queue", "queue too long",
		"could not be delivered within", "has not been delivered", "was not delivered for",
		"undeliverable for", "timed out", "timeout", "time out", "have been unable to deliver",
		"delivery attempts will continue", "will be retried", "still trying",
		"has been delayed", "delivery is delayed", "not yet been delivered",
	}},
	{"networkerror", []string{
		"connection refused", "no route to host", "network is unreachable",
		"host is unreachable", "could not connect", "couldn't connect", "unable to connect",
		"lost connection", "connection reset", "connection closed", "connection dropped",
		"mail loop", "loops back to myself", "too many hops", "routing loop", "hop count exceeded",
		"dns lookup", "name server", "temporary lookup failure", "connection timed out",
		"network error", "unreachable",
	}},
	{"filtered", []string{
		"filtered", "mail filter", "refused by recipient", "rejected by recipient",
		"recipient refuses", "user refuses", "does not accept", "not accepting",
		"delivery not authorized", "not authorized", "not authorised", "restricted",
		"delivery to this recipient is not allowed", "message rejected", "recipient preferences",
	}},
	{"rejected", []string{"from address", "mail from"}},
	{"notcompliantrfc", []string{
		"rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "rfc 822", "not rfc compliant",
		"multiple from", "duplicate header", "multiple addresses in from",
	}},
	{"contenterror", []string{
		"illegal attachment", "invalid character", "content error", "8-bit", "8bit",
		"invalid mime", "mime error",
	}},
	{"mailererror", []string{
		"mailer error", "command failed", "procmail", "exit code", "pipe to",
		"unknown mailer error", "command died", "program exited",
	}},
	{"syntaxerror", []string{
		"syntax error", "command unrecognized", "unrecognized command",
		"bad sequence of commands", "command not recognized",
	}},
	{"systemfull", []string{
		"system full", "insufficient system storage", "out of disk", "no space left",
	}},
	{"systemerror", []string{
		"system error", "internal error", "server error", "local error",
		"configuration error", "system config", "temporary failure", "system failure",
		"try again later", "service unavailable", "not available",
	}},
	{"onhold", []string{"on hold", "onhold"}},
}

// localUnknown are the phrases with which a mail system states that an
// address is not in its own directory (Exchange, IMail, Lotus Notes/Domino,
// qmail, Gmail). Unlike a relayed "user unknown" they are definitive
// without a status code or the SMTP command.
var localUnknown = []string{
	"recipient name is not recognized", "invalid final delivery userid",
	"not listed in public name", "not listed in domino directory",
	"no mailbox here by that name", "the email account that you tried to reach does not exist",
	"no such user here", "recipientnotfound", "recipnotfound", "user doesn't have a",
	"this user doesn't have", "address does not exist", "mailbox does not exist",
	"unknown user:",
}

// weakRules are tried after reasonRules and only when the status code
// names no reason of its own.
var weakRules = []reasonRule{
	// A bare "Recipient address rejected" (Postfix, at RCPT TO) names no
	// other cause: the address is refused.
	{"userunknown", []string{"recipient address rejected"}},
}

// reasonFromText finds the reason a lower-case diagnostic text names, or
// "".
func reasonFromText(lower string) string {
	if r := strongIndex.match(lower); r != "userunknown" || !domainDoesNotExist(lower) {
		return r
	}
	return "hostunknown"
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

// matchRules returns the reason of the first rule with a phrase in lower.
func matchRules(rules []reasonRule, lower string) string {
	if lower == "" {
		return ""
	}
	for _, rule := range rules {
		for _, p := range rule.phrases {
			if strings.Contains(lower, p) {
				return rule.reason
			}
		}
	}
	return ""
}

// strongIndex is reasonRules indexed for one pass over a text. It is
// built once and never changed.
var strongIndex = newPhraseIndex(reasonRules)

// phraseIndex finds, in one scan of a text, the first rule (in rule order)
// with a phrase in the text: phrases are bucketed by their first two bytes.
type phraseIndex struct {
	rules   []reasonRule
	slot    [1 << 16]uint16 // first two bytes -> 1 + index in buckets, 0 for none
	buckets [][]phraseRef
}

// phraseRef is one phrase of rule number rule.
type phraseRef struct {
	rule   int
	phrase string
}

func newPhraseIndex(rules []reasonRule) *phraseIndex {
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

// match returns the reason of the earliest rule with a phrase in lower.
func (ix *phraseIndex) match(lower string) string {
	best := len(ix.rules)
	for i := 0; i+1 < len(lower); i++ {
		n := ix.slot[int(lower[i])<<8|int(lower[i+1])]
		if n == 0 {
			continue
		}
		for _, ref := range ix.buckets[n-1] {
			if ref.rule < best && strings.HasPrefix(lower[i:], ref.phrase) {
				best = ref.rule
			}
		}
		if best == 0 {
			break
		}
	}
	if best == len(ix.rules) {
		return ""
	}
	return ix.rules[best].reason
}

// reasonFromStatus maps an RFC 3463 enhanced status code to a reason by its
// subject and detail (section 3 and RFC 7372, RFC 7505); "" when the code
// is missing or vague.
func reasonFromStatus(st string) string {
	if len(st) < 5 {
		return ""
	}
	if st[0] == '2' {
		return "delivered"
	}
	return statusReasons[st[2:]]
}

// statusReasons maps "subject.detail" to a reason.
var statusReasons = map[string]string{
	"1.0": "userunknown", "1.1": "userunknown", "1.2": "hostunknown", "1.3": "userunknown",
	"1.4": "userunknown", "1.6": "hasmoved", "1.7": "rejected", "1.8": "rejected",
	"1.9": "systemerror", "1.10": "notaccept",
	"2.0": "filtered", "2.1": "suspend", "2.2": "mailboxfull", "2.3": "mesgtoobig",
	"2.4": "mailererror",
	"3.0": "systemerror", "3.1": "systemfull", "3.2": "notaccept", "3.3": "systemerror",
	"3.4": "mesgtoobig", "3.5": "systemerror",
	"4.0": "networkerror", "4.1": "networkerror", "4.2": "networkerror", "4.3": "systemerror",
	"4.4": "hostunknown", "4.5": "toomanyconn", "4.6": "networkerror", "4.7": "expired",
	"5.0": "syntaxerror", "5.1": "syntaxerror", "5.2": "syntaxerror", "5.3": "exceedlimit",
	"5.4": "syntaxerror", "5.5": "syntaxerror", "5.6": "syntaxerror",
	"6.0": "contenterror", "6.1": "contenterror", "6.2": "contenterror", "6.3": "contenterror",
	"6.4": "contenterror", "6.5": "contenterror", "6.6": "contenterror",
	"7.0": "securityerror", "7.1": "filtered", "7.2": "filtered", "7.3": "securityerror",
	"7.4": "securityerror", "7.5": "securityerror", "7.6": "securityerror",
	"7.7": "securityerror", "7.8": "securityerror", "7.9": "securityerror",
	"7.10": "securityerror", "7.11": "securityerror", "7.12": "securityerror",
	"7.13": "suspend", "7.14": "securityerror", "7.15": "securityerror",
	"7.16": "mailboxfull", "7.17": "suspend", "7.18": "suspend", "7.19": "suspend",
	"7.20": "authfailure", "7.21": "authfailure", "7.22": "authfailure", "7.23": "authfailure",
	"7.24": "authfailure", "7.25": "requireptr", "7.26": "authfailure", "7.27": "rejected",
	"7.28": "speeding", "7.29": "authfailure", "7.30": "securityerror",
}
