package bounces

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
)

// Sources of a bounce.
const (
	SourceDSN     = "dsn"     // a bounce message received by the inbound listener
	SourceSMTP    = "smtp"    // a synchronous 5xx refusal seen by a send worker
	SourceWebhook = "webhook" // a relay's JSON report (Amazon SES via SNS, generic)
)

// Lists takes a contact off lists inside the caller's transaction and
// records an opt-out consent record per list left (optin.UnsubscribeTx);
// listIDs nil means every list. Declared here because bounces does not
// import optin; cmd/postbode wires it.
type Lists interface {
	UnsubscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, source, evidence string) (int, error)
}

// Policy is the configuration of the consequences.
type Policy struct {
	// HardThreshold: a contact with more counted hard bounces than this
	// becomes inactive (bounces.hard_threshold; 2 means the third).
	HardThreshold int
	// SoftEscalateCount soft bounces within SoftEscalateWindow, with no
	// successful delivery after the first of them, make the contact
	// inactive; 0 disables (bounces.soft_escalate_count, soft_escalate_window).
	SoftEscalateCount  int
	SoftEscalateWindow time.Duration
}

// event is one failed recipient correlated (or not) with a contact.
type event struct {
	ContactID  int64 // 0: unknown contact
	CampaignID int64 // 0: unknown campaign
	InboundID  int64
	Result     Result
	Source     string
	// Delivery: move the campaign's delivery row from sent to bounced and
	// adjust campaign_stats (not for SourceSMTP: the send worker does it).
	Delivery bool
}

// applied says what an event changed, for metrics and the inbound outcome.
type applied struct {
	Recorded    bool // a bounces row was written
	Counted     bool // it changed the contact's counters
	Inactivated bool // the contact became inactive
	Contact     bool // the contact exists
	Bounced     bool // a delivery moved to bounced (markDelivery)
}

// bouncedActions are RFC 3464 §2.3.3 actions that mean the message was not
// delivered; "delayed" is only a warning.
func undelivered(action string) bool { return action == "" || action == "failed" }

// apply records one event and its consequences inside tx:
//
//   - a bounces row (class, reason, status, reply code, diagnostic, source);
//   - hard and soft bounces change the contact's counters once per
//     (campaign, contact, class): the unique index bounces_counted_key makes a
//     synchronous 5xx and a later DSN of the same message count once;
//   - more hard bounces than the threshold, or the soft escalation rule,
//     make the contact inactive (one_star_since set by contacts.SyncOneStar);
//   - a complaint unsubscribes from every list (consent source complaint)
//     and blocklists the address (reason complaint);
//   - block/policy and unknown classes are recorded, never counted;
//   - a delivery 'sent' (or not yet recorded: queued, deferred) becomes
//     'bounced' with campaign_stats moved to bounced, once (markDelivery).
func (p *Processor) apply(ctx context.Context, tx pgx.Tx, e event) (applied, error) {
	var out applied
	var email, status string
	var dept int64
	if e.ContactID != 0 {
		err := tx.QueryRow(ctx, `SELECT email, status, department_id FROM contacts WHERE id = $1 FOR UPDATE`, e.ContactID).Scan(&email, &status, &dept)
		if errors.Is(err, pgx.ErrNoRows) {
			e.ContactID = 0 // erased meanwhile: keep the statistics only
		} else if err != nil {
			return out, fmt.Errorf("bounces: lock contact: %w", err)
		} else {
			out.Contact = true
			// The row of a contact holds the contact's own address: the
			// token proved whom the message was for, while the address a
			// report names (a forwarder's alias, or another person's
			// address in a forged report with a genuine token) belongs to
			// no contact and would escape that person's export and erasure.
			e.Result.Recipient = email
		}
	}
	if e.CampaignID != 0 {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)`, e.CampaignID).Scan(&ok); err != nil {
			return out, fmt.Errorf("bounces: campaign: %w", err)
		}
		if !ok {
			e.CampaignID = 0
		}
	}
	r := e.Result
	countable := out.Contact && (r.Class == Hard || r.Class == Soft)
	id, err := insertBounce(ctx, tx, e, countable)
	if err != nil {
		return out, err
	}
	out.Recorded = true
	out.Counted = countable && id != 0
	if !out.Contact {
		return out, nil
	}
	switch {
	case out.Counted && r.Class == Hard:
		out.Inactivated, err = p.countHard(ctx, tx, e.ContactID)
	case out.Counted && r.Class == Soft:
		out.Inactivated, err = p.countSoft(ctx, tx, e.ContactID)
	case r.Class == Complaint:
		err = p.complaint(ctx, tx, e.ContactID, dept, email, r)
	}
	if err != nil {
		return out, err
	}
	if e.Delivery && e.CampaignID != 0 && (r.Class == Hard || r.Class == Soft || r.Class == Block) && undelivered(r.Action) {
		if out.Bounced, err = markDelivery(ctx, tx, e.CampaignID, e.ContactID, r.Diagnostic); err != nil {
			return out, err
		}
	}
	return out, nil
}

// insertBounce writes the bounces row; when countable it first tries to be
// the counted row of its message and returns its id, or 0 when another row
// already counted (the row is then written uncounted). A message counts
// once per contact: once per (campaign, contact, class) — a synchronous 5xx
// and a later DSN of the same message — and once per (inbound message,
// contact) whatever campaign it names, so one report listing an address in
// several spellings counts once.
//
// The row is filed under the department of its contact, else of its
// campaign: it is that department's statistics, also once erasure or a
// deleted campaign took the link (migration 365). Only evidence tied to
// neither keeps the department of the intake that received it.
func insertBounce(ctx context.Context, tx pgx.Tx, e event, countable bool) (int64, error) {
	args := bounceArgs(e)
	const ins = `INSERT INTO bounces (contact_id, campaign_id, inbound_id, recipient, class, reason, status, reply_code, action, diagnostic, source,
		rule, status_rule, counted, department_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
		coalesce((SELECT c.department_id FROM contacts c WHERE c.id = $1), (SELECT m.department_id FROM campaigns m WHERE m.id = $2),
			postbode_department()))`
	if countable {
		var id int64
		err := tx.QueryRow(ctx, ins+` ON CONFLICT DO NOTHING RETURNING id`, append(args, true)...).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("bounces: record: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, ins, append(args, false)...); err != nil {
		return 0, fmt.Errorf("bounces: record: %w", err)
	}
	return 0, nil
}

// insertEvidence writes the bounces rows of a report without proof: no
// contact, no campaign, never counted, outcome unauthenticated. The row is
// filed under each department holding a contact of the address it names,
// one row per department, else under the intake's department (the default
// department for the shared listener): postbode_evidence_departments,
// migration 400. So a department's staff read only evidence naming their
// own contacts, and the default department's also evidence naming none.
//
// The recipient is kept in the form contacts compare in (contacts.EmailKey),
// so a report spelling a contact's domain in A-labels is filed with that
// contact's department and found by its erasure and export, which match
// evidence by lower(recipient).
func insertEvidence(ctx context.Context, tx pgx.Tx, e event) error {
	e.ContactID, e.CampaignID = 0, 0
	if e.Result.Recipient != "" {
		e.Result.Recipient = contacts.EmailKey(e.Result.Recipient)
	}
	_, err := tx.Exec(ctx, `INSERT INTO bounces (contact_id, campaign_id, inbound_id, recipient, class, reason, status,
		reply_code, action, diagnostic, source, rule, status_rule, outcome, department_id)
		SELECT $1::bigint, $2::bigint, $3::bigint, $4::text, $5, $6, $7, $8::integer, $9, $10, $11, $12, $13, 'unauthenticated', d
		FROM postbode_evidence_departments($4::text) AS d`,
		bounceArgs(e)...)
	if err != nil {
		return fmt.Errorf("bounces: record evidence: %w", err)
	}
	return nil
}

func bounceArgs(e event) []any {
	r := e.Result
	return []any{nullID(e.ContactID), nullID(e.CampaignID), nullID(e.InboundID), nullStr(errs.Clip(r.Recipient, 320)), string(r.Class),
		errs.Clip(r.Reason, 64), errs.Clip(r.Status, 16), r.ReplyCode, errs.Clip(r.Action, 32), errs.Clip(r.Diagnostic, 1000), e.Source,
		errs.Clip(r.Rule, 500), errs.Clip(r.StatusRule, 500)}
}

// countHard adds one hard bounce; above the threshold the contact becomes
// inactive and one-star.
func (p *Processor) countHard(ctx context.Context, tx pgx.Tx, contactID int64) (bool, error) {
	var inactivated bool
	err := tx.QueryRow(ctx, `UPDATE contacts c SET hard_bounces = c.hard_bounces + 1,
			status = CASE WHEN c.status = 'active' AND c.hard_bounces + 1 > $2 THEN 'inactive' ELSE c.status END,
			updated_source = 'bounce', updated_at = now()
		WHERE c.id = $1
		RETURNING c.status = 'inactive' AND c.hard_bounces = $2 + 1`, contactID, p.policy.HardThreshold).Scan(&inactivated)
	if err != nil {
		return false, fmt.Errorf("bounces: count hard bounce: %w", err)
	}
	return inactivated, contacts.SyncOneStar(ctx, tx, []int64{contactID})
}

// countSoft adds one soft bounce and applies the escalation rule: at least
// SoftEscalateCount counted soft bounces within the window, all after the
// contact's last successful delivery (a delivery still 'sent' with no bounce
// recorded for it), make the contact inactive.
func (p *Processor) countSoft(ctx context.Context, tx pgx.Tx, contactID int64) (bool, error) {
	if _, err := tx.Exec(ctx, `UPDATE contacts SET soft_bounces = soft_bounces + 1, updated_source = 'bounce', updated_at = now()
		WHERE id = $1`, contactID); err != nil {
		return false, fmt.Errorf("bounces: count soft bounce: %w", err)
	}
	if escalated, err := p.softEscalated(ctx, tx, contactID); err != nil || !escalated {
		return false, err
	}
	tag, err := tx.Exec(ctx, `UPDATE contacts SET status = 'inactive', updated_source = 'bounce', updated_at = now()
		WHERE id = $1 AND status = 'active'`, contactID)
	if err != nil {
		return false, fmt.Errorf("bounces: soft escalation: %w", err)
	}
	return tag.RowsAffected() == 1, contacts.SyncOneStar(ctx, tx, []int64{contactID})
}

// softEscalated reports whether the soft escalation rule holds for the
// contact now: at least SoftEscalateCount counted soft bounces within the
// window, all after its last successful delivery (a delivery still 'sent'
// with no bounce recorded for it). Always false when the rule is off.
func (p *Processor) softEscalated(ctx context.Context, tx pgx.Tx, contactID int64) (bool, error) {
	return p.softRule(ctx, tx, contactID, false)
}

// softEscalatedOnce reports whether the contact's counted soft bounces
// made the rule hold at any moment: some window of SoftEscalateWindow
// ending at one of them holds SoftEscalateCount, all after the last
// successful delivery. A contact the rule made inactive stays so however
// long ago that was, until its bounces no longer make up such a window.
func (p *Processor) softEscalatedOnce(ctx context.Context, tx pgx.Tx, contactID int64) (bool, error) {
	return p.softRule(ctx, tx, contactID, true)
}

// softRule is the one soft escalation query: the windows end now, or
// (once) at each counted soft bounce.
func (p *Processor) softRule(ctx context.Context, tx pgx.Tx, contactID int64, once bool) (bool, error) {
	if p.policy.SoftEscalateCount <= 0 {
		return false, nil
	}
	var n int
	err := tx.QueryRow(ctx, `WITH s AS (SELECT b.created_at FROM bounces b
			WHERE b.contact_id = $1 AND b.class = 'soft' AND b.counted
			  AND b.created_at > coalesce((SELECT max(d.done_at) FROM deliveries d
				WHERE d.contact_id = $1 AND d.status = 'sent' AND NOT EXISTS (
					SELECT 1 FROM bounces x WHERE x.campaign_id = d.campaign_id AND x.contact_id = d.contact_id)), '-infinity')),
		ends AS (SELECT now() AS at WHERE NOT $3 UNION ALL SELECT created_at FROM s WHERE $3)
		SELECT coalesce(max((SELECT count(*) FROM s WHERE s.created_at > e.at - $2::interval AND s.created_at <= e.at)), 0) FROM ends e`,
		contactID, p.policy.SoftEscalateWindow.String(), once).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("bounces: soft escalation: %w", err)
	}
	return n >= p.policy.SoftEscalateCount, nil
}

// complaint unsubscribes the contact from every list (consent source
// complaint) and blocklists the address (reason complaint) in the contact's
// department (dept): the complaint answers that department's mail.
func (p *Processor) complaint(ctx context.Context, tx pgx.Tx, contactID, dept int64, email string, r Result) error {
	evidence := "complaint report"
	if r.FeedbackType != "" {
		evidence += " (feedback type " + errs.Clip(r.FeedbackType, 32) + ")"
	}
	if _, err := p.lists.UnsubscribeTx(ctx, tx, contactID, nil, "complaint", evidence); err != nil {
		return fmt.Errorf("bounces: complaint: unsubscribe: %w", err)
	}
	if err := p.contacts.BlockTx(ctx, tx, dept, email, "complaint", evidence); err != nil {
		return fmt.Errorf("bounces: complaint: %w", err)
	}
	return nil
}

// markDelivery moves a delivery to bounced and the campaign's counters with
// it, in one statement, once. The delivery may still be queued or deferred:
// a DSN can be processed before the send worker records the 250 of its
// batch, and the worker only records deliveries still queued or deferred,
// so it leaves a bounced one alone. Either order ends with the delivery
// bounced, counted in bounced and not in sent (nor deferred). A delivery
// already bounced, failed, skipped or cancelled is left alone. It reports
// whether the delivery moved (so the message counts as bounced once).
func markDelivery(ctx context.Context, tx pgx.Tx, campaignID, contactID int64, diag string) (bool, error) {
	var moved bool
	err := tx.QueryRow(ctx, `WITH old AS (
			SELECT status FROM deliveries WHERE campaign_id = $1 AND contact_id = $2
			AND status IN ('sent', 'queued', 'deferred') FOR UPDATE),
		d AS (
			UPDATE deliveries SET status = 'bounced', last_error = $3, done_at = coalesce(done_at, now())
			FROM old WHERE campaign_id = $1 AND contact_id = $2 RETURNING campaign_id, old.status AS was),
		s AS (
			UPDATE campaign_stats s SET sent = s.sent - (d.was = 'sent')::int, deferred = s.deferred - (d.was = 'deferred')::int,
				bounced = s.bounced + 1, updated_at = now()
			FROM d WHERE s.campaign_id = d.campaign_id)
		SELECT EXISTS (SELECT 1 FROM d)`, campaignID, contactID, errs.Clip(diag, 500)).Scan(&moved)
	if err != nil {
		return false, fmt.Errorf("bounces: delivery: %w", err)
	}
	return moved, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}
