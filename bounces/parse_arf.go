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
	if len(rcpts) == 0 {
		rcpts = m.jmrpRecipient()
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

// rulePlainComplaint is the rule that decides a complaint sent without a
// feedback-report part (plainComplaint).
const rulePlainComplaint = "format: a complaint without a message/feedback-report part (RFC 5965 appendix B's human-readable text, Microsoft JMRP): the report's own text states an abuse report and the reported message is attached whole"

// complaintStatements are the sentences with which a feedback loop that
// sends no message/feedback-report part states, in its own text, that the
// attached message was reported as abuse: the human-readable part of
// RFC 5965 appendix B ("This is an email abuse report for an email message
// received from IP 192.0.2.1 on ..."), which Microsoft's Junk Mail
// Reporting Program (JMRP) and the older AOL and Yahoo feedback loops
// send as their only text, and JMRP's own notice.
var complaintStatements = []string{
	"email abuse report for an email message received from",
	"junk mail reporting program",
}

// plainComplaint reports a feedback-loop complaint without the
// message/feedback-report part of RFC 5965: a complaint unsubscribes the
// contact, so one phrase is not enough. It takes the structure of such a
// report: no delivery-status or feedback-report part, no failure Subject,
// the reported message attached whole (message/rfc822), and a statement
// that it is an abuse report in the report's own text or Subject, not in
// the attached message; or, instead of the statement, the recipient field
// JMRP adds to the message it returns (X-HmXmrOriginalRecipient).
func (m *msg) plainComplaint() bool {
	if len(m.dsn) > 0 || len(m.feedback) > 0 || !m.attached || m.origRaw == nil || m.failureSubject() {
		return false
	}
	if len(m.jmrpRecipient()) > 0 {
		return true
	}
	texts := []string{asciiLower(m.subject)}
	for _, t := range m.texts {
		texts = append(texts, asciiLower(normSpace(string(t))))
	}
	for _, t := range texts {
		for _, p := range complaintStatements {
			if strings.Contains(t, p) {
				return true
			}
		}
	}
	return false
}

// jmrpField is the field Microsoft's JMRP adds to the header of the message
// it returns, naming the recipient who reported it.
var jmrpField = map[string]bool{"x-hmxmroriginalrecipient": true}

// jmrpRecipient is the address of the attached message's
// X-HmXmrOriginalRecipient field, or nil.
func (m *msg) jmrpRecipient() []string {
	if m.origRaw == nil {
		return nil
	}
	h, _ := splitHeader(m.origRaw, jmrpField)
	if a := cleanAddr(h.Get("x-hmxmroriginalrecipient")); a != "" {
		return []string{a}
	}
	return nil
}
