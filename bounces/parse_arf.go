package bounces

import "strings"

// complaints reports an RFC 5965 feedback report: one Complaint result
// per complaining recipient, with the Feedback-Type (section 3.1). The
// recipient is the Original-Rcpt-To (section 3.2; repeatable), else the
// Removal-Recipient, else the To of the returned message (section 2,
// third part), else the address its topmost Received field names.
func (m *msg) complaints() []Result {
	var typ, userAgent string
	var rcpts, removal []string
	for _, f := range parseFields(m.feedback) {
		switch f.name {
		case "feedback-type":
			typ = asciiLower(firstWord(f.value))
		case "user-agent":
			userAgent = f.value
		case "original-rcpt-to":
			if a := cleanAddr(f.value); a != "" {
				rcpts = appendNew(rcpts, a)
			}
		case "removal-recipient":
			if a := cleanAddr(f.value); a != "" {
				removal = appendNew(removal, a)
			}
		}
	}
	if len(rcpts) == 0 {
		rcpts = removal
	}
	if len(rcpts) == 0 && m.original != nil {
		rcpts = addrList(m.original.Get("To"))
	}
	if len(rcpts) == 0 {
		if a := m.receivedFor(); a != "" {
			rcpts = []string{a}
		}
	}
	if len(rcpts) == 0 {
		rcpts = []string{""}
	}
	if typ == "" {
		typ = "abuse"
	}
	out := make([]Result, 0, len(rcpts))
	for _, a := range rcpts {
		out = append(out, Result{
			Recipient: a, Class: Complaint, Reason: "feedback", FeedbackType: typ,
			Diagnostic: normSpace(userAgent), Rule: ruleARF,
		})
	}
	return out
}

// ruleARF is the rule that decides a complaint found in a feedback report.
const ruleARF = "format: a message/feedback-report part (ARF, RFC 5965 section 3) is a complaint"

// addrList returns the addresses of an address-list header value.
func addrList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if a := cleanAddr(p); a != "" {
			out = appendNew(out, a)
		}
	}
	return out
}

// appendNew appends a when list does not hold it yet.
func appendNew(list []string, a string) []string {
	for _, x := range list {
		if x == a {
			return list
		}
	}
	return append(list, a)
}
