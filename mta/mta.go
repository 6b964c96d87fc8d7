// Package mta is in charge of getting messages out: composing them (RFC 5322,
// MIME, List-Unsubscribe), DKIM-signing them, and delivering them over SMTP,
// through a relay or directly to each domain's MX, with connections reused
// for many messages, a pipelining client, and Redis-backed throttles that
// hold across nodes. It knows nothing of contacts or campaigns: the caller
// hands it envelopes and gets one Result per envelope back.
package mta

import (
	"context"
	"errors"
	"fmt"
)

// Envelope is one message to one recipient.
type Envelope struct {
	// ID identifies the message to the caller (e.g. the delivery id); the
	// capture transport names its file after it.
	ID string
	// From is the SMTP MAIL FROM (the VERP return path).
	From string
	// To is the SMTP RCPT TO.
	To string
	// Signature holds header fields that go out right before Data: the
	// DKIM-Signature fields DKIM.AppendSignature makes; optional.
	Signature []byte
	// Data is the complete message, CRLF line endings (as Compose makes it).
	// A Transport reads Signature and Data only during Send: the caller may
	// reuse them once Send has returned.
	Data []byte
	// DotFree says no line of Data starts with '.' (AppendCompose reports
	// it): the SMTP client then sends Data without looking for lines to
	// dot-stuff. Leave it false when unsure: a wrong DotFree would let a
	// line "." end the message early.
	DotFree bool
}

// Result is the outcome of delivering one Envelope. Code 0 with Err set is a
// network or local error (deferred: retry); otherwise Code is the SMTP reply
// code of the step that decided (MAIL, RCPT or the end of DATA).
type Result struct {
	Code int
	// Enhanced is the RFC 3463 enhanced status code ("5.1.1"), when given.
	Enhanced string
	// Text is the server's reply text (lines joined by a space).
	Text string
	// Command is the SMTP command the reply answered: "MAIL", "RCPT" or
	// "DATA" (the DATA command or the end of the data, RFC 5321 section
	// 3.3); "" when no SMTP reply decided (DNS, a local refusal, Err).
	Command string
	// Local says this client refused the message itself before any server
	// answered for the recipient (an address it cannot write on the
	// command line, a server without SMTPUTF8, a destination that routes
	// to this host): Code is its own and says nothing of the mailbox, so
	// it must not count as the recipient's bounce.
	Local bool
	Err   error
}

// Outcome classifies a Result.
type Outcome int

// Outcomes of a delivery attempt.
const (
	// Deferred: 4xx, a network error, or anything unknown; retry later.
	Deferred Outcome = iota
	// Sent: the server accepted the message (2xx).
	Sent
	// Bounced: the server refused the message permanently (5xx).
	Bounced
)

func (o Outcome) String() string {
	switch o {
	case Sent:
		return "sent"
	case Bounced:
		return "bounced"
	}
	return "deferred"
}

// Outcome returns Sent for 2xx, Bounced for 5xx and Deferred for the rest
// (an unknown error is temporary: retry it, never bounce on it).
func (r Result) Outcome() Outcome {
	switch {
	case r.Err == nil && r.Code >= 200 && r.Code < 300:
		return Sent
	case r.Code >= 500 && r.Code < 600:
		return Bounced
	}
	return Deferred
}

func (r Result) String() string {
	if r.Code == 0 {
		return fmt.Sprintf("error: %v", r.Err)
	}
	if r.Enhanced != "" {
		return fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Text)
	}
	return fmt.Sprintf("%d %s", r.Code, r.Text)
}

// Transport delivers batches of envelopes for one destination domain.
type Transport interface {
	// Send delivers batch (every To in domain) and returns one Result per
	// envelope, in the same order. It is safe for concurrent use.
	Send(ctx context.Context, domain string, batch []Envelope) []Result
	// Close closes idle connections; in-flight Sends finish first.
	Close() error
}

// ErrClosed is returned in Results of a Send on a closed transport.
var ErrClosed = errors.New("mta: transport closed")

// errResults returns len(batch) Results carrying err.
func errResults(n int, err error) []Result {
	rs := make([]Result, n)
	for i := range rs {
		rs[i] = Result{Err: err}
	}
	return rs
}
