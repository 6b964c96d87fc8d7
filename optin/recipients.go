package optin

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/identity"
)

// ErrGone is returned for a contact, list or campaign a recipient link names
// that no longer exists (erased, deleted). The public pages show the same
// neutral page as for an invalid link.
var ErrGone = errs.NotFound("gone", "not found")

// Who is the person acting on a public page.
type Who struct {
	IP        netip.Addr
	UserAgent string
}

func (w Who) consent(source, evidence string) Consent {
	return Consent{Source: source, IP: w.IP, UserAgent: errs.Clip(w.UserAgent, 1000), Evidence: evidence}
}

// RecipientOptions configure Recipients.
type RecipientOptions struct {
	// EditableAttributes are the attribute keys a recipient may edit on the
	// update page (public.editable_attributes).
	EditableAttributes []string
	// ApproveChanges makes changes pending change requests (public.approve_changes).
	ApproveChanges bool
}

// Recipients carries out what recipients do on the public pages: subscribe,
// confirm, unsubscribe, answer an update mailing, change their details, and
// the open and click tracking records. Every action is written to the
// action log; consent changes also as consent records.
type Recipients struct {
	db       *db.Pool
	store    *Store
	contacts *contacts.Store
	log      *ActionLog
	opt      RecipientOptions
	unsubs   *unsubGroup
}

// NewRecipients returns the recipient-side service.
func NewRecipients(db *db.Pool, cs *contacts.Store, log *ActionLog, opt RecipientOptions) *Recipients {
	return &Recipients{db: db, store: NewStore(db), contacts: cs, log: log, opt: opt, unsubs: &unsubGroup{db: db}}
}

// ClientKey is the keyed hash of a client address (contacts.Store.ClientKey).
func (r *Recipients) ClientKey(addr string) string { return r.contacts.ClientKey(addr) }

// Log returns the action log.
func (r *Recipients) Log() *ActionLog { return r.log }

// EditableAttributes returns the attribute keys recipients may edit.
func (r *Recipients) EditableAttributes() []string { return r.opt.EditableAttributes }

// Contact returns a contact for a page; ErrGone when it does not exist.
func (r *Recipients) Contact(ctx context.Context, id int64) (contacts.Contact, error) {
	c, err := r.contacts.Get(ctx, id)
	if errors.Is(err, contacts.ErrNotFound) {
		return c, ErrGone
	}
	return c, err
}

// UpdateView is what the update page shows: the contact's fields and the
// names of the lists they are on, read in one query.
type UpdateView struct {
	Name       string
	Email      string
	Attributes map[string]any
	Lists      string // list names, comma-separated
}

// UpdateView returns the update page's data; ErrGone when the contact is gone.
func (r *Recipients) UpdateView(ctx context.Context, contactID int64) (UpdateView, error) {
	var v UpdateView
	err := r.db.QueryRow(ctx, `SELECT c.name, c.email, c.attributes,
		coalesce((SELECT string_agg(l.name, ', ' ORDER BY l.name) FROM subscriptions s JOIN lists l ON l.id = s.list_id
			WHERE s.contact_id = c.id AND s.status <> 'unsubscribed'), '')
		FROM contacts c WHERE c.id = $1`, contactID).Scan(&v.Name, &v.Email, &v.Attributes, &v.Lists)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrGone
	}
	if err != nil {
		return v, fmt.Errorf("optin: update view: %w", err)
	}
	return v, nil
}

// ListRef names a list on a page.
type ListRef struct {
	ID      int64
	Name    string
	Purpose string
}

// SubscribedLists returns the lists the contact is on (unconfirmed or confirmed).
func (r *Recipients) SubscribedLists(ctx context.Context, contactID int64) ([]ListRef, error) {
	rows, err := r.db.Query(ctx, `SELECT l.id, l.name, l.purpose FROM subscriptions s JOIN lists l ON l.id = s.list_id
		WHERE s.contact_id = $1 AND s.status <> 'unsubscribed' ORDER BY l.name`, contactID)
	if err != nil {
		return nil, fmt.Errorf("optin: subscribed lists: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ListRef])
}

// CampaignLists returns the lists a campaign went to (none for 0 or an
// unknown campaign).
func (r *Recipients) CampaignLists(ctx context.Context, campaignID int64) ([]int64, error) {
	if campaignID == 0 {
		return nil, nil
	}
	var ids []int64
	err := r.db.QueryRow(ctx, `SELECT list_ids FROM campaigns WHERE id = $1`, campaignID).Scan(&ids)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("optin: campaign lists: %w", err)
	}
	return ids, nil
}

// ListBySlug returns a list for the subscribe form; ErrGone when unknown.
func (r *Recipients) ListBySlug(ctx context.Context, slug string) (ListRef, string, error) {
	var l ListRef
	var mode string
	if errs.TextProblem(slug) != "" {
		return l, "", ErrGone // no list has it, and Postgres would refuse it
	}
	err := r.db.QueryRow(ctx, `SELECT id, name, purpose, optin FROM lists WHERE slug = $1`, slug).Scan(&l.ID, &l.Name, &l.Purpose, &mode)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, "", ErrGone
	}
	return l, mode, err
}

// List returns a list by id; ErrGone when unknown.
func (r *Recipients) List(ctx context.Context, id int64) (ListRef, error) {
	var l ListRef
	err := r.db.QueryRow(ctx, `SELECT id, name, purpose FROM lists WHERE id = $1`, id).Scan(&l.ID, &l.Name, &l.Purpose)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, ErrGone
	}
	return l, err
}

// SubscribeResult says what a subscribe form did. It is never shown to the
// visitor as such: the page is the same whether the address was known.
type SubscribeResult struct {
	ContactID int64
	// NeedsConfirmation: a double opt-in list, the subscription is
	// unconfirmed: send a confirmation mail.
	NeedsConfirmation bool
	// Email is the normalised address (for the confirmation mail).
	Email string
}

// FormSubscribe handles the public subscribe form for a list: the address
// is validated, the contact found or created (source webform; the name of an
// existing contact is never changed by the form), and subscribed with an
// opt-in consent record carrying the consent text shown (evidence). A
// subscription the contact left (or one not yet confirmed) waits for the
// confirmation link, also on a single opt-in list. A blocklisted address is
// silently ignored.
func (r *Recipients) FormSubscribe(ctx context.Context, listID int64, email, name string, who Who, evidence string) (SubscribeResult, error) {
	addr, err := ValidateSubscription(email, name)
	if err != nil {
		return SubscribeResult{}, err
	}
	if blocked, err := r.contacts.IsBlocked(ctx, addr); err != nil || blocked {
		return SubscribeResult{}, err
	}
	c, err := r.contacts.GetByEmail(ctx, addr)
	if errors.Is(err, contacts.ErrNotFound) {
		c, err = r.contacts.Create(ctx, contacts.New{Email: addr, Name: strings.TrimSpace(name), Source: "webform"})
		if errors.Is(err, contacts.ErrDuplicate) {
			c, err = r.contacts.GetByEmail(ctx, addr)
		}
	}
	if err != nil {
		return SubscribeResult{}, err
	}
	// Anyone may type an address: the form never overturns the contact's
	// own opt-out of the list without the confirmation link.
	subs, err := r.store.subscribe(ctx, c.ID, []int64{listID}, who.consent("webform", evidence), false, true)
	if err != nil {
		return SubscribeResult{}, err
	}
	res := SubscribeResult{ContactID: c.ID, Email: c.Email}
	for _, s := range subs {
		if s.ListID == listID && s.Status == Unconfirmed {
			res.NeedsConfirmation = true
		}
	}
	r.log.Record(ctx, Action{ContactID: c.ID, ListID: listID, Action: ActSubscribe, IP: who.IP, UserAgent: who.UserAgent})
	return res, nil
}

// ValidateSubscription checks the fields of a subscribe form without looking
// anything up (so the answer says nothing about the address) and returns
// the normalised address.
func ValidateSubscription(email, name string) (string, error) {
	addr, err := contacts.NormalizeEmail("email", email)
	if err != nil {
		return "", err
	}
	return addr, errs.Name("name", name)
}

// ConfirmSubscription confirms a double opt-in subscription (a confirm
// consent record with IP and time), or a confirmed subscription asked to
// confirm again (a repermission-confirmed record). Confirming twice is not an error; a
// subscription that expired or was left since is ErrGone (an old link
// never subscribes anyone again).
func (r *Recipients) ConfirmSubscription(ctx context.Context, contactID, listID int64, who Who) error {
	if _, err := r.Contact(ctx, contactID); err != nil {
		return err
	}
	changed, err := r.store.Confirm(ctx, contactID, listID, who.consent("webform", "double opt-in link"))
	if err != nil {
		return err
	}
	if !changed {
		var status string
		err := r.db.QueryRow(ctx, `SELECT status FROM subscriptions WHERE contact_id = $1 AND list_id = $2`, contactID, listID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && status != Confirmed) {
			return ErrGone
		}
		if err != nil {
			return fmt.Errorf("optin: confirm: %w", err)
		}
		// The same link answers a re-permission mail.
		if err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
			_, err := confirmRepermission(ctx, tx, contactID, listID, who.consent("webform", ""))
			return err
		}); err != nil {
			return err
		}
	}
	r.log.Record(ctx, Action{ContactID: contactID, ListID: listID, Action: ActConfirm, IP: who.IP, UserAgent: who.UserAgent})
	return nil
}

// Unsubscribe takes a contact off the lists of a campaign (all lists when
// all is set, or when the campaign named none) with an opt-out consent record
// per list left; leaving the last list makes the contact a floater
// (one-star). oneClick marks an RFC 8058 one-click POST. It returns how many
// lists were left.
func (r *Recipients) Unsubscribe(ctx context.Context, contactID, campaignID int64, all, oneClick bool, who Who) (int, error) {
	source, act := "webform", ActUnsubscribe
	if oneClick {
		source, act = "one-click", ActOneClick
	}
	// One query finds whether anything is left to leave; a repeated click
	// stops here, a first one is committed with the next group (see
	// unsubGroup) before the page answers.
	var active bool
	err := r.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions s WHERE s.contact_id = c.id AND s.status <> 'unsubscribed'
				AND ($3 OR k.list_ids IS NULL OR cardinality(k.list_ids) = 0 OR s.list_id = ANY(k.list_ids)))
		FROM contacts c LEFT JOIN campaigns k ON k.id = $2 WHERE c.id = $1`, contactID, campaignID, all).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrGone
	}
	if err != nil {
		return 0, fmt.Errorf("optin: unsubscribe: %w", err)
	}
	n := 0
	if active {
		c := who.consent(source, "")
		if err := c.Validate(); err != nil {
			return 0, err
		}
		if n, err = r.unsubs.do(&unsubReq{contactID: contactID, campaignID: campaignID, all: all, c: c}); err != nil {
			return 0, err
		}
	}
	r.log.Record(ctx, Action{ContactID: contactID, CampaignID: campaignID, Action: act,
		Detail: fmt.Sprintf("lists left: %d", n), IP: who.IP, UserAgent: who.UserAgent})
	return n, nil
}

// batchQuerier queues statements into a batch (for contacts.SyncOneStar,
// which only Execs); results are read when the batch is sent.
type batchQuerier struct{ b *pgx.Batch }

func (q batchQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.b.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

func (q batchQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return nil, errors.New("optin: batch querier: Query is not supported")
}

func (q batchQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return errRow{errors.New("optin: batch querier: QueryRow is not supported")}
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// ValidateField checks a free-text field a recipient typed: valid UTF-8, one
// line (no CR/LF: header injection), no control characters, at most max
// characters.
func ValidateField(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return errs.Invalid(field, "is not valid text")
	}
	if utf8.RuneCountInString(v) > max {
		return errs.Invalidf(field, "is longer than %d characters", max)
	}
	for _, c := range v {
		if c == '\r' || c == '\n' {
			return errs.Invalid(field, "must be one line")
		}
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			return errs.Invalid(field, "contains a control character")
		}
	}
	return nil
}

// Department returns the department with this slug and its sending identity
// (the house style of its forms); ErrGone when there is none.
func (r *Recipients) Department(ctx context.Context, slug string) (identity.Identity, error) {
	var id int64
	if !errs.IsSlug(slug) {
		return identity.Identity{}, ErrGone // no department has it (its table's check), and Postgres may refuse it
	}
	err := r.db.QueryRow(access.Unscoped(ctx), `SELECT id FROM departments WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return identity.Identity{}, ErrGone
	}
	if err != nil {
		return identity.Identity{}, fmt.Errorf("optin: department: %w", err)
	}
	return identity.Get(ctx, r.db, id)
}

// DefaultDepartment returns the default department's identity (the forms
// whose path names no department).
func (r *Recipients) DefaultDepartment(ctx context.Context) (identity.Identity, error) {
	return identity.Get(ctx, r.db, access.DefaultDepartment)
}

// Identity returns the identity of a recipient interaction with contact
// contactID (identity.ForContact): its department's name and house style.
func (r *Recipients) Identity(ctx context.Context, contactID int64) (identity.Identity, error) {
	return identity.ForContact(ctx, r.db, contactID)
}

// ContactLang returns the language of a mail to contact contactID about
// list listID that answers no request of theirs (a re-permission), by the
// rule of the pages behind a mail's links (the campaign's language): the
// language of the newest campaign mailed to the contact that names one;
// else the language of the subscribe form through which they joined the
// list (its consent record's evidence, "subscribe-form/nl/..."); else ""
// (the installation's default).
func (r *Recipients) ContactLang(ctx context.Context, contactID, listID int64) (string, error) {
	var lang string
	err := r.db.QueryRow(ctx, `SELECT coalesce(
		(SELECT k.lang FROM deliveries d JOIN campaigns k ON k.id = d.campaign_id
			WHERE d.contact_id = $1 AND d.status = 'sent' AND k.lang <> ''
			ORDER BY d.done_at DESC NULLS LAST, d.campaign_id DESC LIMIT 1),
		(SELECT substring(cr.evidence FROM '^subscribe-form/(en|nl)/') FROM consent_records cr
			WHERE cr.contact_id = $1 AND cr.list_id = $2 AND cr.evidence LIKE 'subscribe-form/%'
			ORDER BY cr.id DESC LIMIT 1), '')`, contactID, listID).Scan(&lang)
	if err != nil {
		return "", fmt.Errorf("optin: contact language: %w", err)
	}
	return lang, nil
}

// CampaignLang returns the language campaign campaignID is written in (en
// or nl; "" when the campaign names none, or is gone): the pages its
// links open speak it.
func (r *Recipients) CampaignLang(ctx context.Context, campaignID int64) (string, error) {
	var lang string
	err := r.db.QueryRow(ctx, `SELECT lang FROM campaigns WHERE id = $1`, campaignID).Scan(&lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("optin: campaign language: %w", err)
	}
	return lang, nil
}
