package bounces

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
)

// ApplyExternal applies a bounce report that did not come through the
// inbound listener (a relay's webhook): returnPath is the VERP address the
// message was sent with, if the relay reports it. It is correlated and
// applied like a received bounce (source webhook), except that the relay's
// signature or API token lets it name contacts by address. It returns the
// outcome (bounce, complaint, auto-reply, uncorrelated, forged, ignored).
//
// A non-empty id (the relay's notification id) is applied once: a replay
// of the same id returns outcome duplicate and changes nothing.
func (p *Processor) ApplyExternal(ctx context.Context, id string, rep *Report, returnPath string) (string, error) {
	o := origin{Source: SourceWebhook}
	if returnPath != "" {
		c, err := p.keys.ParseAddress(returnPath)
		switch {
		case err == nil && c.Purpose == rtoken.Bounce:
			o.VERP = &c
		case err != nil && looksLikeToken(returnPath):
			o.Forged = true
		}
	}
	var out outcome
	err := pgx.BeginFunc(ctx, p.db, func(tx pgx.Tx) error {
		if first, err := p.firstSeen(ctx, tx, id); err != nil || !first {
			out.What = "duplicate"
			return err
		}
		var err error
		out, err = p.applyReport(ctx, tx, rep, o)
		return err
	})
	if err != nil {
		return "", err
	}
	p.countOutcome(out)
	for _, r := range out.events {
		p.m.Bounces.WithLabelValues(string(r.Class), metricReason(r.Reason)).Inc()
	}
	return out.What, nil
}

// firstSeen records a relay notification id inside tx and reports whether
// it is new; an empty id is always new. The id stays recorded until the
// replay window has passed (a replay older than that is refused by its
// timestamp).
func (p *Processor) firstSeen(ctx context.Context, tx pgx.Tx, id string) (bool, error) {
	if id == "" {
		return true, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO webhook_messages (message_id) VALUES ($1) ON CONFLICT DO NOTHING`, errs.Clip(id, 200))
	if err != nil {
		return false, fmt.Errorf("bounces: webhook message id: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// expireWebhookIDs forgets notification ids older than twice the replay window.
func (p *Processor) expireWebhookIDs(ctx context.Context) {
	_, err := p.db.Exec(ctx, `DELETE FROM webhook_messages WHERE received_at < $1`, p.now().Add(-2*p.opt.ReplayWindow))
	if err != nil && ctx.Err() == nil {
		p.log.Warn("bounces: webhook id expiry", slog.Any("error", err))
	}
}

// Fresh reports whether a relay notification stamped ts (RFC 3339) lies
// within the replay window of now.
func (p *Processor) Fresh(ts string) bool {
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return false
	}
	d := p.now().Sub(t)
	return d <= p.opt.ReplayWindow && d >= -p.opt.ReplayWindow
}

// sesReport parses an Amazon SES notification (the Message of an SNS
// Notification) with ParseSES, and returns with it mail.source: the
// envelope sender the message was sent with, our VERP address.
func sesReport(raw string) (*Report, string, error) {
	rep, err := ParseSES([]byte(raw))
	if err != nil {
		return nil, "", errs.Invalid("Message", "is not an Amazon SES notification")
	}
	var src struct {
		Mail struct {
			Source string `json:"source"`
		} `json:"mail"`
	}
	json.Unmarshal([]byte(raw), &src)
	return rep, src.Mail.Source, nil
}

// GenericEvent is one bounce or complaint in the generic webhook format:
//
//	{"events": [{"type": "bounce", "recipient": "a@example.org", "status": "5.1.1",
//	  "reply_code": 550, "diagnostic": "...", "return_path": "b...@bounces.example.org"}]}
//
// type is bounce or complaint (required). class (hard, soft, block,
// unknown) is optional: without it the event is classified from
// reply_code, status and diagnostic like an SMTP reply. At least one of
// recipient, ref (the X-Postbode-Ref header value) or return_path (the VERP
// envelope sender) identifies the contact.
type GenericEvent struct {
	Type       string `json:"type"`
	Recipient  string `json:"recipient"`
	Class      string `json:"class"`
	Reason     string `json:"reason"`
	Status     string `json:"status"`
	ReplyCode  int    `json:"reply_code"`
	Diagnostic string `json:"diagnostic"`
	Ref        string `json:"ref"`
	ReturnPath string `json:"return_path"`
}

// GenericBatch is the body of the generic webhook.
type GenericBatch struct {
	Events []GenericEvent `json:"events"`
}

// MaxGenericEvents caps one generic webhook request.
const MaxGenericEvents = 1000

// Validate checks every event; the error names the field (events[3].type).
func (b *GenericBatch) Validate() error {
	if len(b.Events) == 0 {
		return errs.Invalid("events", "at least one event is required")
	}
	if len(b.Events) > MaxGenericEvents {
		return errs.Invalidf("events", "at most %d events per request", MaxGenericEvents)
	}
	for i, ev := range b.Events {
		f := fmt.Sprintf("events[%d].", i)
		switch {
		case ev.Type != "bounce" && ev.Type != "complaint":
			return errs.Invalid(f+"type", "must be bounce or complaint")
		case ev.Class != "" && ev.Class != "hard" && ev.Class != "soft" && ev.Class != "block" && ev.Class != "unknown":
			return errs.Invalid(f+"class", "must be hard, soft, block or unknown")
		case ev.Recipient == "" && ev.Ref == "" && ev.ReturnPath == "":
			return errs.Invalid(f+"recipient", "recipient, ref or return_path is required")
		case len(ev.Recipient) > 320 || (ev.Recipient != "" && !strings.Contains(ev.Recipient, "@")):
			return errs.Invalid(f+"recipient", "must be an email address")
		case ev.ReplyCode != 0 && (ev.ReplyCode < 200 || ev.ReplyCode > 599):
			return errs.Invalid(f+"reply_code", "must be an SMTP reply code (200-599)")
		case len(ev.Diagnostic) > 10000 || len(ev.Ref) > 200 || len(ev.ReturnPath) > 320 || len(ev.Status) > 16 || len(ev.Reason) > 64:
			return errs.Invalid(f+"diagnostic", "a field is too long")
		}
	}
	return nil
}

// report turns one generic event into a report.
func (ev GenericEvent) report() *Report {
	var r Result
	if ev.Type == "complaint" {
		r = Result{Class: Complaint, Reason: "feedback"}
	} else {
		r = ClassifyReply(ev.ReplyCode, ev.Status, ev.Diagnostic)
		if ev.Class != "" {
			r.Class = Class(ev.Class)
		}
		if r.Action == "" {
			r.Action = "failed"
		}
	}
	if ev.Reason != "" {
		r.Reason = strings.ToLower(ev.Reason)
	}
	r.Recipient = strings.ToLower(strings.TrimSpace(ev.Recipient))
	rep := &Report{Results: []Result{r}, Original: map[string]string{}}
	if ev.Ref != "" {
		rep.Original["x-postbode-ref"] = ev.Ref
	}
	return rep
}
