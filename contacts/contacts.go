// Package contacts is in charge of the people postbode mails: their address
// (validated, unique regardless of case), name and free attributes, status,
// bounce counters, stars, and the blocklist (suppression list) that keeps an
// address out even after its contact is gone.
//
// Stars (documented in the README too):
//
//	1 star:  inactive (hard bounces above the threshold), blocklisted, or a
//	         floater (was subscribed to a list, is now on none) — one_star_since is set;
//	5 stars: engaged (opened, clicked or answered: last_engaged_at) in the last 30 days;
//	4 stars: in the last 90 days;
//	3 stars: in the last 365 days;
//	2 stars: reachable, but no engagement in a year (or never).
//
// one_star_since is kept by SyncOneStar, which every change of status or
// subscriptions calls in its own transaction: set when a contact becomes
// one-star (unsubscribing from the last list, blocklisting, the hard bounce
// past the threshold in RecordHardBounceTx, deletion of its last list),
// cleared when it stops (a new subscription, unblocking), kept unchanged
// while it stays one-star. The privacy package erases contacts one-star for
// longer than retention.one_star_days.
package contacts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/strictjson"
)

// Errors of the contacts domain.
var (
	ErrNotFound    = errs.NotFound("contact_not_found", "contact not found")
	ErrDuplicate   = errs.Conflict("contact_exists", "a contact with this address already exists")
	ErrBlocklisted = errs.Conflict("address_blocklisted", "this address is on the blocklist")
)

// Statuses of a contact.
const (
	StatusActive      = "active"
	StatusInactive    = "inactive"
	StatusBlocklisted = "blocklisted"
)

// Sources say how a contact or consent came in.
var Sources = []string{"import", "manual", "api", "webform", "update-page"}

// StarsSQL computes a contact's stars from a row aliased c (see the package doc).
const StarsSQL = `CASE WHEN c.status <> 'active' OR c.one_star_since IS NOT NULL THEN 1
	WHEN c.last_engaged_at > now() - interval '30 days' THEN 5
	WHEN c.last_engaged_at > now() - interval '90 days' THEN 4
	WHEN c.last_engaged_at > now() - interval '365 days' THEN 3
	ELSE 2 END`

// starsWhere is StarsSQL = n written on the columns themselves, so the
// planner can estimate it from their statistics and use the index on
// last_engaged_at for the rare high-star contacts (the CASE expression
// depends on now() and cannot be indexed).
func starsWhere(n int) string {
	const reachable = `c.status = 'active' AND c.one_star_since IS NULL AND `
	switch n {
	case 1:
		return `(c.status <> 'active' OR c.one_star_since IS NOT NULL)`
	case 5:
		return reachable + `c.last_engaged_at > now() - interval '30 days'`
	case 4:
		return reachable + `c.last_engaged_at > now() - interval '90 days' AND c.last_engaged_at <= now() - interval '30 days'`
	case 3:
		return reachable + `c.last_engaged_at > now() - interval '365 days' AND c.last_engaged_at <= now() - interval '90 days'`
	case 2:
		return reachable + `(c.last_engaged_at IS NULL OR c.last_engaged_at <= now() - interval '365 days')`
	}
	return `false`
}

// Querier is what both a pool and a transaction offer.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Contact is one person with one address.
type Contact struct {
	ID            int64          `json:"id"`
	Email         string         `json:"email"`
	Name          string         `json:"name"`
	Attributes    map[string]any `json:"attributes"`
	Status        string         `json:"status"`
	HardBounces   int            `json:"hard_bounces"`
	SoftBounces   int            `json:"soft_bounces"`
	OneStarSince  *time.Time     `json:"one_star_since"`
	LastEngagedAt *time.Time     `json:"last_engaged_at"`
	Stars         int            `json:"stars"`
	Source        string         `json:"source"`
	UpdatedSource string         `json:"updated_source"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	// CreatedBy and UpdatedBy name the staff member (person:<id> or
	// token:<id>:<name>) who created and last changed the contact; empty
	// for system work and public forms.
	CreatedBy string `json:"created_by"`
	UpdatedBy string `json:"updated_by"`
}

const contactCols = `c.id, c.email, c.name, c.attributes, c.status, c.hard_bounces, c.soft_bounces,
	c.one_star_since, c.last_engaged_at, ` + StarsSQL + `, c.source, c.updated_source, c.created_at, c.updated_at,
	c.created_by, c.updated_by`

func scanContact(row pgx.Row) (Contact, error) {
	var c Contact
	err := row.Scan(&c.ID, &c.Email, &c.Name, &c.Attributes, &c.Status, &c.HardBounces, &c.SoftBounces,
		&c.OneStarSince, &c.LastEngagedAt, &c.Stars, &c.Source, &c.UpdatedSource, &c.CreatedAt, &c.UpdatedAt,
		&c.CreatedBy, &c.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// Store reads and writes contacts and the blocklist.
type Store struct {
	db  *db.Pool
	key []byte
	// HardThreshold is the number of hard bounces a contact may have and still
	// be active (bounces.hard_threshold).
	HardThreshold int
	// macs holds HMACs keyed with key: keying one costs two SHA-256
	// blocks and an allocation, and the send path hashes every recipient.
	macs sync.Pool
}

// NewStore returns a store on db. key is the server secret used to hash
// blocklisted addresses.
func NewStore(db *db.Pool, key string, hardThreshold int) *Store {
	s := &Store{db: db, key: []byte(key), HardThreshold: hardThreshold}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// DB returns the pool the store works on.
func (s *Store) DB() *db.Pool { return s.db }

// Hash returns the keyed hash of an address used by the blocklist; addresses
// that differ only in case hash the same.
func (s *Store) Hash(email string) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(strings.ToLower(email)))
	sum := m.Sum(make([]byte, 0, sha256.Size))
	s.macs.Put(m)
	return sum
}

// ClientKey is the keyed hash of a client address (an IP, or the network a
// counter takes for one client), for per-client counters kept outside the
// database: they never name the address.
func (s *Store) ClientKey(addr string) string { return s.CounterKey("ip", addr) }

// CounterKey is the keyed hash naming one counter kept outside the database
// (a Redis key part) for the value v of the given kind ("ip", "token", …):
// 32 hex digits that never reveal v.
func (s *Store) CounterKey(kind, v string) string {
	return hex.EncodeToString(s.Hash(kind + ":" + v)[:16])
}

// New is the input for creating a contact.
type New struct {
	Email      string
	Name       string
	Attributes map[string]any
	Source     string
}

// Validate checks and normalises a new contact. Every field that is wrong
// is reported (errors.Join, see errs.Fields).
func (n *New) Validate() error {
	var bad []error
	if email, err := NormalizeEmail("email", n.Email); err != nil {
		bad = append(bad, err)
	} else {
		n.Email = email
	}
	bad = append(bad, errs.Name("name", n.Name), ValidateAttributes("attributes", n.Attributes))
	if !validSource(n.Source) {
		bad = append(bad, errs.Invalid("source", "must be one of "+strings.Join(Sources, ", ")))
	}
	return errors.Join(bad...)
}

// MaxAttributes is how many free attributes a contact may hold, however
// they came (create, patch, import): a merge may not outgrow it either.
const MaxAttributes = 100

// TooManyAttributes refuses a merge into a contact's attributes that would
// outgrow MaxAttributes.
func TooManyAttributes() *errs.Error {
	return errs.Invalidf("attributes", "would have more than %d keys", MaxAttributes)
}

// ValidateAttributes checks free attributes: at most MaxAttributes keys of
// at most 64 characters ([a-z0-9_-]), values scalars or short strings
// that are free values (errs.Value: lines, but no control characters or
// text direction controls).
func ValidateAttributes(field string, attrs map[string]any) error {
	if len(attrs) > MaxAttributes {
		return errs.Invalidf(field, "has more than %d keys", MaxAttributes)
	}
	for k, v := range attrs {
		if k == "" || len(k) > 64 || strings.Trim(strings.ToLower(k), "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
			return errs.Invalid(field+"."+k, "key must be 1-64 characters of a-z, 0-9, _ and -")
		}
		switch val := v.(type) {
		case nil, bool, float64, int, int64:
		case string:
			if utf8.RuneCountInString(val) > 1000 { // characters, as the message says (errs.Name counts so too)
				return errs.Invalid(field+"."+k, "is longer than 1000 characters")
			}
			if err := errs.Value(field+"."+k, val); err != nil {
				return err
			}
		default:
			return errs.Invalid(field+"."+k, "must be a string, number, boolean or null")
		}
	}
	return nil
}

func validSource(s string) bool {
	for _, v := range Sources {
		if v == s {
			return true
		}
	}
	return false
}

// Create stores a new contact. A blocklisted address is refused.
func (s *Store) Create(ctx context.Context, n New) (Contact, error) {
	return s.CreateTx(ctx, s.db, n)
}

// CreateTx is Create through q, a transaction of the caller's that may
// go on to do more (subscribe the new contact) before it commits.
func (s *Store) CreateTx(ctx context.Context, q Querier, n New) (Contact, error) {
	if err := n.Validate(); err != nil {
		return Contact{}, err
	}
	if blocked, err := s.isBlocked(ctx, q, n.Email); err != nil {
		return Contact{}, err
	} else if blocked {
		return Contact{}, ErrBlocklisted
	}
	if n.Attributes == nil {
		n.Attributes = map[string]any{}
	}
	row := q.QueryRow(ctx, `INSERT INTO contacts AS c (email, name, attributes, source, updated_source)
		VALUES ($1, $2, $3, $4, $4) RETURNING `+contactCols, n.Email, n.Name, n.Attributes, n.Source)
	c, err := scanContact(row)
	if isUnique(err) {
		return c, ErrDuplicate
	}
	if err != nil {
		return c, fmt.Errorf("contacts: create: %w", err)
	}
	return c, nil
}

// Get returns a contact by id.
func (s *Store) Get(ctx context.Context, id int64) (Contact, error) {
	return scanContact(s.db.QueryRow(ctx, `SELECT `+contactCols+` FROM contacts c WHERE c.id = $1`, id))
}

// GetByEmail returns a contact by address (any case).
func (s *Store) GetByEmail(ctx context.Context, email string) (Contact, error) {
	return scanContact(s.db.QueryRow(ctx, `SELECT `+contactCols+` FROM contacts c WHERE lower(c.email) = lower($1)`, email))
}

// Patch is a partial update; nil fields are left alone.
type Patch struct {
	Email *string
	Name  *string
	// Attributes are merged key by key: a nil value removes the key, keys
	// not named keep their values (so a reader who cannot see a hidden
	// attribute cannot remove it by leaving it out).
	Attributes map[string]any
	Source     string
}

// Validate checks and normalises the fields a patch sets. Every field that
// is wrong is reported (errors.Join, see errs.Fields).
func (p *Patch) Validate() error {
	var bad []error
	if p.Email != nil {
		if e, err := NormalizeEmail("email", *p.Email); err != nil {
			bad = append(bad, err)
		} else {
			p.Email = &e
		}
	}
	if p.Name != nil {
		bad = append(bad, errs.Name("name", *p.Name))
	}
	bad = append(bad, ValidateAttributes("attributes", p.Attributes))
	return errors.Join(bad...)
}

// Update applies a patch.
func (s *Store) Update(ctx context.Context, id int64, p Patch) (Contact, error) {
	if err := p.Validate(); err != nil {
		return Contact{}, err
	}
	if p.Source == "" {
		p.Source = "api"
	}
	var c Contact
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if p.Email != nil {
			// A new address on the blocklist is refused, as at Create.
			if err := s.checkNewAddress(ctx, tx, id, *p.Email); err != nil {
				return err
			}
		}
		var attrs map[string]any // nil: unchanged
		if p.Attributes != nil {
			var cur map[string]any
			err := tx.QueryRow(ctx, `SELECT attributes FROM contacts WHERE id = $1 FOR UPDATE`, id).Scan(&cur)
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("contacts: update: %w", err)
			}
			// The patch was checked; the merge may not outgrow the limit.
			if attrs = strictjson.MergeKeys(cur, p.Attributes); len(attrs) > MaxAttributes {
				return TooManyAttributes()
			}
		}
		// A patch that changes nothing writes nothing: updated_at, the
		// updated source and the change history stay as they were.
		var err error
		c, err = scanContact(tx.QueryRow(ctx, `UPDATE contacts c SET
			email = coalesce($2, email), name = coalesce($3, name), attributes = coalesce($4::jsonb, attributes),
			updated_source = $5, updated_at = now()
			WHERE id = $1 AND (email, name, attributes) IS DISTINCT FROM
				(coalesce($2, email), coalesce($3, name), coalesce($4::jsonb, attributes))
			RETURNING `+contactCols, id, p.Email, p.Name, attrs, p.Source))
		if errors.Is(err, ErrNotFound) {
			c, err = scanContact(tx.QueryRow(ctx, `SELECT `+contactCols+` FROM contacts c WHERE id = $1`, id))
		}
		return err
	})
	if isUnique(err) {
		return c, ErrDuplicate
	}
	return c, err
}

// checkNewAddress refuses email for contact id when it is another address
// than the contact's (not only in case) and on the department's blocklist.
func (s *Store) checkNewAddress(ctx context.Context, tx pgx.Tx, id int64, email string) error {
	var cur string
	err := tx.QueryRow(ctx, `SELECT email FROM contacts WHERE id = $1 FOR UPDATE`, id).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("contacts: update: %w", err)
	}
	if strings.ToLower(cur) == strings.ToLower(email) {
		return nil
	}
	if blocked, err := s.isBlocked(ctx, tx, email); err != nil {
		return err
	} else if blocked {
		return ErrBlocklisted
	}
	return nil
}

// Filter narrows a contact listing. Zero values mean "any".
type Filter struct {
	ListID int64
	Status string
	Stars  int
	Source string
	Email  string
	// Query matches the start of the address or of the name, any case.
	Query string
}

// List returns contacts after id `after`, at most limit+1 (for the cursor).
func (s *Store) List(ctx context.Context, f Filter, after int64, limit int) ([]Contact, error) {
	where, args := f.where(after)
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, `SELECT `+contactCols+` FROM contacts c WHERE `+where+
		fmt.Sprintf(` ORDER BY c.id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("contacts: list: %w", err)
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// where is the condition of the filter on contacts c with id > after, and
// its arguments ($1 is after).
func (f Filter) where(after int64) (string, []any) {
	where := []string{"c.id > $1"}
	args := []any{after}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.ListID != 0 {
		add(`EXISTS (SELECT 1 FROM subscriptions s WHERE s.contact_id = c.id AND s.list_id = ? AND s.status <> 'unsubscribed')`, f.ListID)
	}
	if f.Status != "" {
		add(`c.status = ?`, f.Status)
	}
	if f.Stars != 0 {
		where = append(where, starsWhere(f.Stars))
	}
	if f.Source != "" {
		add(`c.source = ?`, f.Source)
	}
	if f.Email != "" {
		add(`lower(c.email) = lower(?)`, f.Email)
	}
	if f.Query != "" {
		// A prefix range per column, so each can use its index (under
		// row-level security too: the operators are leakproof).
		lo, hi := prefixRange(f.Query)
		args = append(args, lo, hi)
		where = append(where, fmt.Sprintf(`((c.email_search ~>=~ $%[1]d AND c.email_search ~<~ $%[2]d) OR (c.name_search ~>=~ $%[1]d AND c.name_search ~<~ $%[2]d))`, len(args)-1, len(args)))
	}
	return strings.Join(where, " AND "), args
}

// oneStarSQL is true for a contact c2 that is one-star: inactive,
// blocklisted, or a floater — on no list now (no subscription that is not
// unsubscribed) although it was on one: a subscription row remains, or a
// consent record of an opt-in or confirmation does (the subscription rows
// go when their list is deleted).
const oneStarSQL = `(c2.status <> 'active'
	OR (NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.contact_id = c2.id AND s.status <> 'unsubscribed')
	    AND (EXISTS (SELECT 1 FROM subscriptions s WHERE s.contact_id = c2.id)
	         OR EXISTS (SELECT 1 FROM consent_records r WHERE r.contact_id = c2.id AND r.action IN ('opt-in', 'confirm')))))`

// SyncOneStar sets one_star_since for the given contacts that are one-star
// now (inactive, blocklisted, or floater) and clears it for those that are
// not; a contact that stays one-star keeps its original time. Call it in the
// same transaction as the change that caused it, so one_star_since is the
// time of that change (now() is the transaction's start).
func SyncOneStar(ctx context.Context, q Querier, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE contacts c SET one_star_since = CASE WHEN x.one THEN coalesce(c.one_star_since, now()) END
		FROM (SELECT c2.id, `+oneStarSQL+` AS one FROM contacts c2 WHERE c2.id = ANY($1)) x
		WHERE c.id = x.id AND (c.one_star_since IS NULL) = x.one`, ids)
	if err != nil {
		return fmt.Errorf("contacts: sync one-star: %w", err)
	}
	return nil
}

// RecordHardBounceTx counts one hard bounce for each contact in the
// caller's transaction: a contact whose count passes the threshold
// (bounces.hard_threshold) becomes inactive — one-star, with one_star_since
// set in the same transaction. It returns the ids made inactive by this call.
// The bounce processor calls it once per hard bounce (never twice for one
// message).
func (s *Store) RecordHardBounceTx(ctx context.Context, q Querier, ids []int64) ([]int64, error) {
	rows, err := q.Query(ctx, `UPDATE contacts SET hard_bounces = hard_bounces + 1, updated_at = now(), updated_source = 'bounce',
			status = CASE WHEN status = 'active' AND hard_bounces + 1 > $2 THEN 'inactive' ELSE status END
		WHERE id = ANY($1) RETURNING id, status = 'inactive' AND hard_bounces = $2 + 1`, ids, s.HardThreshold)
	if err != nil {
		return nil, fmt.Errorf("contacts: hard bounce: %w", err)
	}
	type res struct {
		ID     int64
		Turned bool
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[res])
	if err != nil {
		return nil, fmt.Errorf("contacts: hard bounce: %w", err)
	}
	var turned, all []int64
	for _, r := range rs {
		all = append(all, r.ID)
		if r.Turned {
			turned = append(turned, r.ID)
		}
	}
	return turned, SyncOneStar(ctx, q, all)
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// prefixRange is the range [lo, hi) of the strings that start with q in
// lower case, in byte order (text_pattern_ops).
func prefixRange(q string) (lo, hi string) {
	lo = strings.ToLower(q)
	return lo, lo + "\U0010FFFF"
}
