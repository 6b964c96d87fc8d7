package optin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
)

// Answers to an update mailing (update_answers.answer).
const (
	AnswerOK      = "ok"
	AnswerChanged = "changed"
	AnswerRemove  = "remove"
)

// Change-request statuses.
const (
	ChangeApplied  = "applied"
	ChangePending  = "pending"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
)

// FieldChange is one changed field: "name" or "attributes.KEY".
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// ErrChangeNotFound is returned for an unknown change request.
var ErrChangeNotFound = errs.NotFound("change_request_not_found", "change request not found")

// ErrChangeDecided is returned when a change request is no longer pending.
var ErrChangeDecided = errs.Conflict("change_request_decided", "the change request was already approved or rejected")

// AnswerOK records "Yes, all correct": a reconfirm consent record for each
// list the contact is confirmed on (one without a list when none), the
// answer for the campaign, and engagement.
func (r *Recipients) AnswerOK(ctx context.Context, contactID, campaignID int64, who Who) error {
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		if err := lockContactGone(ctx, tx, contactID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT list_id FROM subscriptions WHERE contact_id = $1 AND status = 'confirmed'`, contactID)
		if err != nil {
			return fmt.Errorf("optin: answer ok: %w", err)
		}
		lists, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(lists) == 0 {
			lists = []int64{0}
		}
		c := who.consent("update-page", "update mailing: details confirmed as correct")
		for _, l := range lists {
			if l != 0 {
				err = recordConsent(ctx, tx, contactID, l, "reconfirm", c)
			} else {
				err = RecordConsentTx(ctx, tx, contactID, 0, "reconfirm", c)
			}
			if err != nil {
				return err
			}
		}
		return answerTx(ctx, tx, contactID, campaignID, AnswerOK)
	})
	if err != nil {
		return err
	}
	r.log.Record(ctx, Action{ContactID: contactID, CampaignID: campaignID, Action: ActAnswerOK, IP: who.IP, UserAgent: who.UserAgent})
	return nil
}

// AnswerRemove records "Take me off your list": unsubscribed from every
// list (opt-out consent records; the contact becomes a floater) and marked
// for removal by the answer, which the update-mailing purge erases.
func (r *Recipients) AnswerRemove(ctx context.Context, contactID, campaignID int64, who Who) error {
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		if _, err := UnsubscribeTx(ctx, tx, contactID, nil, who.consent("update-page", "update mailing: take me off your list")); err != nil {
			if errors.Is(err, contacts.ErrNotFound) {
				return ErrGone
			}
			return err
		}
		return answerTx(ctx, tx, contactID, campaignID, AnswerRemove)
	})
	if err != nil {
		return err
	}
	r.log.Record(ctx, Action{ContactID: contactID, CampaignID: campaignID, Action: ActAnswerRemove, IP: who.IP, UserAgent: who.UserAgent})
	return nil
}

// Details are the fields a recipient may edit.
type Details struct {
	Name       string
	Attributes map[string]string // only public.editable_attributes keys
}

// ChangeResult says what saving details did.
type ChangeResult struct {
	Changes []FieldChange
	Pending bool
}

// SaveDetails records the recipient's edited details: every changed field
// with old and new value, IP and time (a change request), applied at once
// or pending approval (public.approve_changes). Unchanged details count as
// "all correct". Fields are validated: one line, no control characters,
// name at most 200 and attributes at most 500 characters.
func (r *Recipients) SaveDetails(ctx context.Context, contactID, campaignID int64, d Details, who Who) (ChangeResult, error) {
	d.Name = strings.TrimSpace(d.Name)
	if err := errs.Name("name", d.Name); err != nil {
		return ChangeResult{}, err
	}
	for k, v := range d.Attributes {
		if !r.editable(k) {
			return ChangeResult{}, errs.Invalid("attributes."+k, "may not be edited")
		}
		v = strings.TrimSpace(v)
		if err := ValidateField("attributes."+k, v, 500); err != nil {
			return ChangeResult{}, err
		}
		d.Attributes[k] = v
	}
	var res ChangeResult
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		var name string
		var attrs map[string]any
		err := tx.QueryRow(ctx, `SELECT name, attributes FROM contacts WHERE id = $1 FOR UPDATE`, contactID).Scan(&name, &attrs)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrGone
		}
		if err != nil {
			return fmt.Errorf("optin: save details: %w", err)
		}
		res.Changes = diffDetails(name, attrs, d)
		if len(res.Changes) == 0 {
			return answerTx(ctx, tx, contactID, campaignID, AnswerOK)
		}
		status := ChangeApplied
		if r.opt.ApproveChanges {
			status, res.Pending = ChangePending, true
		}
		c := who.consent("update-page", "")
		if _, err := tx.Exec(ctx, `INSERT INTO change_requests (contact_id, campaign_id, changes, status, ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6)`, contactID, nullID(campaignID), res.Changes, status, c.ip(), c.UserAgent); err != nil {
			return fmt.Errorf("optin: record change: %w", err)
		}
		if status == ChangeApplied {
			if err := applyChangesTx(ctx, tx, contactID, res.Changes, "update-page"); err != nil {
				return err
			}
		}
		c.Evidence = "update mailing: details changed (" + changedFields(res.Changes) + ")"
		if err := RecordConsentTx(ctx, tx, contactID, 0, "update", c); err != nil {
			return err
		}
		return answerTx(ctx, tx, contactID, campaignID, AnswerChanged)
	})
	if err != nil {
		return ChangeResult{}, err
	}
	r.log.Record(ctx, Action{ContactID: contactID, CampaignID: campaignID, Action: ActAnswerChange,
		Detail: changedFields(res.Changes), IP: who.IP, UserAgent: who.UserAgent})
	return res, nil
}

func (r *Recipients) editable(k string) bool {
	for _, e := range r.opt.EditableAttributes {
		if e == k {
			return true
		}
	}
	return false
}

func diffDetails(name string, attrs map[string]any, d Details) []FieldChange {
	var out []FieldChange
	if d.Name != name {
		out = append(out, FieldChange{Field: "name", Old: name, New: d.Name})
	}
	keys := make([]string, 0, len(d.Attributes))
	for k := range d.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		old := ""
		if v, ok := attrs[k]; ok && v != nil {
			old = fmt.Sprint(v)
		}
		if d.Attributes[k] != old {
			out = append(out, FieldChange{Field: "attributes." + k, Old: old, New: d.Attributes[k]})
		}
	}
	return out
}

func changedFields(ch []FieldChange) string {
	f := make([]string, len(ch))
	for i, c := range ch {
		f[i] = c.Field
	}
	return strings.Join(f, ", ")
}

// applyChangesTx writes changes to the contact.
func applyChangesTx(ctx context.Context, tx pgx.Tx, contactID int64, ch []FieldChange, source string) error {
	var name *string
	set := map[string]string{}
	for _, c := range ch {
		if c.Field == "name" {
			n := c.New
			name = &n
		} else if k, ok := strings.CutPrefix(c.Field, "attributes."); ok {
			set[k] = c.New
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE contacts SET name = coalesce($2, name), attributes = attributes || $3::jsonb,
		updated_source = $4, updated_at = now() WHERE id = $1`, contactID, name, set, source)
	if err != nil {
		return fmt.Errorf("optin: apply changes: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrGone
	}
	return nil
}

// answerTx records the contact's (last) answer to an update mailing and
// their engagement.
func answerTx(ctx context.Context, tx pgx.Tx, contactID, campaignID int64, answer string) error {
	if _, err := tx.Exec(ctx, `UPDATE contacts SET last_engaged_at = now() WHERE id = $1`, contactID); err != nil {
		return fmt.Errorf("optin: engagement: %w", err)
	}
	if campaignID == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO update_answers (campaign_id, contact_id, answer)
		SELECT id, $2, $3 FROM campaigns WHERE id = $1
		ON CONFLICT (campaign_id, contact_id) DO UPDATE SET answer = EXCLUDED.answer, answered_at = now()`,
		campaignID, contactID, answer)
	if err != nil {
		return fmt.Errorf("optin: record answer: %w", err)
	}
	return nil
}

func lockContactGone(ctx context.Context, tx pgx.Tx, id int64) error {
	if err := lockContact(ctx, tx, id); err != nil {
		if errors.Is(err, contacts.ErrNotFound) {
			return ErrGone
		}
		return err
	}
	return nil
}

// ChangeRequest is a recorded change of details.
type ChangeRequest struct {
	ID         int64         `json:"id"`
	ContactID  int64         `json:"contact_id"`
	CampaignID *int64        `json:"campaign_id"`
	Changes    []FieldChange `json:"changes"`
	Status     string        `json:"status"`
	CreatedAt  time.Time     `json:"created_at"`
	DecidedAt  *time.Time    `json:"decided_at"`
	DecidedBy  string        `json:"decided_by"`
}

// ChangeRequests lists change requests by status ("" any), after id, at
// most limit+1. A caller who may not see hidden attributes (data
// minimisation, contacts.HiddenFor) gets their changes left out.
func (s *Store) ChangeRequests(ctx context.Context, status string, after int64, limit int) ([]ChangeRequest, error) {
	rows, err := s.db.Query(ctx, `SELECT id, contact_id, campaign_id, changes, status, created_at, decided_at, decided_by
		FROM change_requests WHERE id > $1 AND ($2 = '' OR status = $2) ORDER BY id LIMIT $3`, after, status, limit+1)
	if err != nil {
		return nil, fmt.Errorf("optin: change requests: %w", err)
	}
	crs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ChangeRequest])
	if err != nil {
		return nil, fmt.Errorf("optin: change requests: %w", err)
	}
	if err := s.hideChanges(ctx, crs); err != nil {
		return nil, err
	}
	return crs, nil
}

// hideChanges leaves the changes of hidden attributes out of crs for a
// caller who may not see them (contacts.HiddenFor).
func (s *Store) hideChanges(ctx context.Context, crs []ChangeRequest) error {
	hidden, err := contacts.HiddenFor(ctx, s.db)
	if err != nil || len(hidden) == 0 {
		return err
	}
	for i := range crs {
		crs[i].Changes = slices.DeleteFunc(crs[i].Changes, func(c FieldChange) bool {
			k, ok := strings.CutPrefix(c.Field, "attributes.")
			return ok && slices.Contains(hidden, k)
		})
	}
	return nil
}

// DecideChange approves (the changes apply now) or rejects a pending change request.
func (s *Store) DecideChange(ctx context.Context, id int64, approve bool, actor string) (ChangeRequest, error) {
	var cr ChangeRequest
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, contact_id, campaign_id, changes, status, created_at, decided_at, decided_by
			FROM change_requests WHERE id = $1 FOR UPDATE`, id).Scan(&cr.ID, &cr.ContactID, &cr.CampaignID, &cr.Changes,
			&cr.Status, &cr.CreatedAt, &cr.DecidedAt, &cr.DecidedBy)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrChangeNotFound
		}
		if err != nil {
			return fmt.Errorf("optin: decide change: %w", err)
		}
		if cr.Status != ChangePending {
			return ErrChangeDecided
		}
		cr.Status = ChangeRejected
		if approve {
			cr.Status = ChangeApproved
			if err := applyChangesTx(ctx, tx, cr.ContactID, cr.Changes, "manual"); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `UPDATE change_requests SET status = $2, decided_at = now(), decided_by = $3 WHERE id = $1
			RETURNING decided_at, decided_by`, id, cr.Status, actor).Scan(&cr.DecidedAt, &cr.DecidedBy)
	})
	if err != nil {
		return cr, err
	}
	crs := []ChangeRequest{cr}
	err = s.hideChanges(ctx, crs)
	return crs[0], err
}
