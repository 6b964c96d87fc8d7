package bounces

import "errors"

// ErrUnparsed is returned while the parser is not yet built.
var ErrUnparsed = errors.New("bounces: parser not available")

// Parse reads one bounce message (the complete raw message) and reports
// every failed recipient. It never panics; a message it cannot understand
// yields a Report whose Results hold one Unknown entry with a reason.
func Parse(raw []byte) (*Report, error) { return nil, ErrUnparsed }

// ClassifyReply classifies a synchronous SMTP refusal (the reply to RCPT or
// to the end of DATA) the same way as a bounce message.
func ClassifyReply(code int, enhanced, text string) Result {
	return Result{Class: Unknown, Reason: "undefined", Status: enhanced, ReplyCode: code, Diagnostic: text}
}
