// Package bounces is in charge of what comes back after sending: parsing
// delivery status notifications (RFC 3464), complaint reports (RFC 5965 ARF),
// auto-replies (RFC 3834) and the common non-standard bounce formats;
// classifying each failed recipient (hard, soft, block, complaint,
// auto-reply, unknown) with a reason and an RFC 3463 enhanced status code;
// correlating it with the contact and campaign it belongs to; and applying
// the consequences (hard-bounce count and inactive contacts, complaints
// blocklisted, soft-bounce escalation, campaign statistics).
package bounces

// Class is what a failed recipient means for the address.
type Class string

// Classes. Only Hard counts toward a contact becoming inactive: policy and
// spam blocks and full mailboxes are never hard.
const (
	Hard      Class = "hard"       // the address is dead: unknown user, no such domain, moved, not accepting mail (5xx)
	Soft      Class = "soft"       // a temporary or mailbox problem: full, over quota, expired in queue, network
	Block     Class = "block"      // refused for policy, reputation, content or spam reasons
	Complaint Class = "complaint"  // the recipient reported the message as spam (ARF)
	AutoReply Class = "auto-reply" // an out-of-office or other automatic reply; ignored
	Unknown   Class = "unknown"    // not understood
)

// Result is one failed recipient of a bounce message.
type Result struct {
	// Recipient is the failed address (Final-Recipient, else
	// Original-Recipient, else what the text names), lower-cased; may be
	// empty when the message does not say.
	Recipient string `json:"recipient"`
	// OriginalRecipient is the Original-Recipient when given.
	OriginalRecipient string `json:"original_recipient,omitempty"`
	Class             Class  `json:"class"`
	// Reason is a short word: userunknown, hostunknown, hasmoved, notaccept,
	// mailboxfull, filtered, blocked, spamdetected, policyviolation,
	// expired, networkerror, feedback, vacation, ...
	Reason string `json:"reason"`
	// Status is the RFC 3463 enhanced status code ("5.1.1"), refined from the
	// diagnostic text when the message gives only a vague one.
	Status string `json:"status"`
	// ReplyCode is the SMTP reply code (550), 0 when unknown.
	ReplyCode int `json:"reply_code"`
	// Action is the RFC 3464 Action (failed, delayed, delivered, relayed, expanded).
	Action string `json:"action,omitempty"`
	// Diagnostic is the diagnostic text.
	Diagnostic string `json:"diagnostic,omitempty"`
	// RemoteMTA is the Remote-MTA, when given.
	RemoteMTA string `json:"remote_mta,omitempty"`
	// FeedbackType is the ARF Feedback-Type (abuse, fraud, ...) of complaints.
	FeedbackType string `json:"feedback_type,omitempty"`
	// Rule names the classification rule that decided Reason and its
	// source (RFC section or the mail system whose wording it is).
	Rule string `json:"rule,omitempty"`
	// StatusRule says where Status comes from: the DSN's Status field, the
	// remote server's code in the diagnostic, or (when the message gives
	// none) the X.0.9NN code of the reason; see StandardStatus for the
	// registry code derived from the reason.
	StatusRule string `json:"status_rule,omitempty"`
}

// Hard reports whether the result counts as a hard bounce.
func (r Result) Hard() bool { return r.Class == Hard }

// Report is what one bounce message says.
type Report struct {
	// Results has one entry per failed recipient, in message order.
	Results []Result
	// Original holds header fields of the returned original message (or of
	// the message headers in a complaint report) that correlate the bounce
	// with what was sent, keyed by lower-case field name: "message-id",
	// "x-postbode-ref", "return-path", "to", "list-unsubscribe". Empty when
	// the bounce does not include them.
	Original map[string]string
}
