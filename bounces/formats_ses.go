package bounces

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// ErrNotSES is returned by ParseSES for a body that is not an Amazon SES
// notification.
var ErrNotSES = errors.New("bounces: not an Amazon SES notification")

// sesNotification is the part of an Amazon SES bounce or complaint
// notification (as delivered by SNS, by mail or over HTTP) that matters.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
		ReportingMTA string `json:"reportingMTA"`
	} `json:"bounce"`
	Complaint struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		UserAgent             string `json:"userAgent"`
	} `json:"complaint"`
	Mail struct {
		MessageID     string `json:"messageId"`
		CommonHeaders struct {
			MessageID string   `json:"messageId"`
			To        []string `json:"to"`
		} `json:"commonHeaders"`
		Headers []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
	} `json:"mail"`
}

// snsEnvelope is an SNS notification whose Message holds the SES JSON.
type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// ParseSES reads an Amazon SES bounce or complaint notification, bare or
// wrapped in an SNS envelope, and reports its failed recipients the same
// way Parse does. Delivery notifications have no failures: the report has
// no results. The SNS signature is not checked here.
func ParseSES(body []byte) (*Report, error) {
	n, err := decodeSES(body)
	if err != nil {
		return nil, err
	}
	rep := &Report{Original: n.original()}
	switch n.kind() {
	case "bounce":
		rep.Results = n.bounces()
	case "complaint":
		rep.Results = n.complaints()
	}
	return rep, nil
}

// decodeSES decodes SES JSON, unwrapping an SNS envelope.
func decodeSES(body []byte) (*sesNotification, error) {
	body = bytes.TrimSpace(body)
	var env snsEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Message != "" {
		body = []byte(env.Message)
	}
	var n sesNotification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, ErrNotSES
	}
	if n.kind() == "" {
		return nil, ErrNotSES
	}
	return &n, nil
}

// kind is "bounce", "complaint", "delivery" or "".
func (n *sesNotification) kind() string {
	t := n.NotificationType
	if t == "" {
		t = n.EventType
	}
	return asciiLower(t)
}

// sesSubReasons maps an SES bounceSubType to a reason for recipients
// without a diagnostic.
var sesSubReasons = map[string]string{
	"noemail": "userunknown", "suspended": "suspend", "mailboxfull": "mailboxfull",
	"messagetoolarge": "mesgtoobig", "contentrejected": "contenterror",
	"attachmentrejected": "contenterror", "onaccountsuppressionlist": "suppressed",
	"suppressed": "suppressed", "unsubscribedrecipient": "suppressed",
}

// bounces classifies the bounced recipients. A Transient bounce is
// temporary; an address SES itself suppresses is not a new hard bounce.
func (n *sesNotification) bounces() []Result {
	b := n.Bounce
	sub := asciiLower(b.BounceSubType)
	var out []Result
	for _, r := range b.BouncedRecipients {
		in := evidence{status: findStatus(r.Status), temporary: strings.EqualFold(b.BounceType, "Transient")}
		_, in.diag = splitTyped(r.DiagnosticCode)
		if in.diag == "" || sesSubReasons[sub] == "suppressed" {
			in.reason = sesSubReasons[sub]
		}
		res := classify(in)
		if res.Reason == "suppressed" {
			res.Class = Unknown
		}
		res.Recipient = cleanAddr(r.EmailAddress)
		res.Action = asciiLower(r.Action)
		_, res.RemoteMTA = splitTyped(b.ReportingMTA)
		out = append(out, res)
	}
	return out
}

// complaints reports the complained recipients (class complaint).
func (n *sesNotification) complaints() []Result {
	c := n.Complaint
	typ := asciiLower(c.ComplaintFeedbackType)
	if typ == "" {
		typ = "abuse"
	}
	var out []Result
	for _, r := range c.ComplainedRecipients {
		out = append(out, Result{Recipient: cleanAddr(r.EmailAddress), Class: Complaint,
			Reason: "feedback", FeedbackType: typ, Diagnostic: c.UserAgent,
			Rule: "format: an Amazon SES complaint notification is a complaint"})
	}
	return out
}

// original picks the correlation fields from the mail's headers.
func (n *sesNotification) original() map[string]string {
	out := map[string]string{}
	for _, h := range n.Mail.Headers {
		k := asciiLower(h.Name)
		switch k {
		case "message-id", "x-postbode-ref", "return-path", "to", "list-unsubscribe":
			if _, ok := out[k]; !ok {
				out[k] = h.Value
			}
		}
	}
	if _, ok := out["message-id"]; !ok && n.Mail.CommonHeaders.MessageID != "" {
		out["message-id"] = n.Mail.CommonHeaders.MessageID
	}
	return out
}

// sesInText finds an SES notification in a text body (the JSON object,
// possibly with the "!" line breaks mail transport inserts into long
// lines) and parses it.
func sesInText(text []byte) (*Report, bool) {
	i := bytes.IndexByte(text, '{')
	j := bytes.LastIndexByte(text, '}')
	if i < 0 || j <= i {
		return nil, false
	}
	body := text[i : j+1]
	if !bytes.Contains(body, []byte("notificationType")) && !bytes.Contains(body, []byte("eventType")) {
		return nil, false
	}
	body = bytes.ReplaceAll(body, []byte("!\r\n "), nil)
	body = bytes.ReplaceAll(body, []byte("!\n "), nil)
	rep, err := ParseSES(body)
	if err != nil {
		return nil, false
	}
	return rep, true
}
