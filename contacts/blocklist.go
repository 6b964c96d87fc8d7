package contacts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
)

// Blocklist reasons.
var BlockReasons = []string{"manual", "complaint", "hard-bounce", "request", "import"}

// ErrNotBlocked is returned when unblocking an address that is not blocked.
var ErrNotBlocked = errs.NotFound("not_blocklisted", "address is not on the blocklist")

// Block is one blocklist entry. Email is empty when only the hash is kept.
type Block struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email,omitempty"`
	Reason    string    `json:"reason"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// The blocklist is per department: an entry suppresses an address for the
// department that holds it only. Staff requests and the public pages work
// in the department of their context (postbode_department()); system work
// (a complaint) names the department of the contact it answers.

// IsBlocked reports whether an address is on the blocklist of the
// context's department.
func (s *Store) IsBlocked(ctx context.Context, email string) (bool, error) {
	return s.isBlocked(ctx, s.db, email)
}

func (s *Store) isBlocked(ctx context.Context, q Querier, email string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blocklist
		WHERE department_id = postbode_department() AND email_hash = $1)`, s.Hash(email)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("contacts: blocklist lookup: %w", err)
	}
	return ok, nil
}

// BlockAddress puts an address on the blocklist of the context's department
// and marks that department's contact, if any, blocklisted (one-star), in
// one transaction.
func (s *Store) BlockAddress(ctx context.Context, email, reason, note string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if !contains(BlockReasons, reason) {
		return errs.Invalid("reason", "must be one of manual, complaint, hard-bounce, request, import")
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return s.BlockTx(ctx, tx, 0, email, reason, note) })
}

// BlockTx is BlockAddress inside the caller's transaction for department
// dept (0: the context's department); email must be normalised.
func (s *Store) BlockTx(ctx context.Context, tx pgx.Tx, dept int64, email, reason, note string) error {
	if dept == 0 {
		if err := tx.QueryRow(ctx, `SELECT postbode_department()`).Scan(&dept); err != nil {
			return fmt.Errorf("contacts: block: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO blocklist (department_id, email_hash, email, reason, note) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (department_id, email_hash) DO NOTHING`, dept, s.Hash(email), email, reason, note); err != nil {
		return fmt.Errorf("contacts: block: %w", err)
	}
	var ids []int64
	rows, err := tx.Query(ctx, `UPDATE contacts SET status = 'blocklisted', updated_at = now(), updated_source = 'system'
		WHERE lower(email) = lower($1) AND department_id = $2 RETURNING id`, email, dept)
	if err != nil {
		return fmt.Errorf("contacts: block: %w", err)
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	return SyncOneStar(ctx, tx, ids)
}

// Unblock removes an address from the blocklist of the context's
// department; that department's contact becomes active again unless its
// hard bounces keep it inactive.
func (s *Store) Unblock(ctx context.Context, email string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM blocklist WHERE department_id = postbode_department() AND email_hash = $1`, s.Hash(email))
		if err != nil {
			return fmt.Errorf("contacts: unblock: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotBlocked
		}
		rows, err := tx.Query(ctx, `UPDATE contacts SET updated_at = now(), updated_source = 'system',
			status = CASE WHEN hard_bounces > $2 THEN 'inactive' ELSE 'active' END
			WHERE lower(email) = lower($1) AND department_id = postbode_department() AND status = 'blocklisted' RETURNING id`, email, s.HardThreshold)
		if err != nil {
			return fmt.Errorf("contacts: unblock: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		return SyncOneStar(ctx, tx, ids)
	})
}

// ListBlocks returns the context's department's blocklist entries after id
// `after`, at most limit+1; query (optional) keeps the entries whose
// address contains it, in any case (an entry kept as a hash only has no
// address and never matches one).
func (s *Store) ListBlocks(ctx context.Context, query string, after int64, limit int) ([]Block, error) {
	if len(query) > 254 || errs.TextProblem(query) != "" {
		return nil, errs.Invalid("q", "must be part of an address, at most 254 characters")
	}
	rows, err := s.db.Query(ctx, `SELECT id, coalesce(email, ''), reason, note, created_at
		FROM blocklist WHERE department_id = postbode_department() AND id > $1
		AND ($3 = '' OR strpos(lower(email), lower($3)) > 0) ORDER BY id LIMIT $2`, after, limit+1, query)
	if err != nil {
		return nil, fmt.Errorf("contacts: list blocklist: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Block])
}

// GetBlock returns one blocklist entry of the context's department.
func (s *Store) GetBlock(ctx context.Context, id int64) (Block, error) {
	rows, err := s.db.Query(ctx, `SELECT id, coalesce(email, ''), reason, note, created_at
		FROM blocklist WHERE department_id = postbode_department() AND id = $1`, id)
	if err != nil {
		return Block{}, fmt.Errorf("contacts: blocklist entry: %w", err)
	}
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Block])
	if errors.Is(err, pgx.ErrNoRows) {
		return Block{}, ErrNotBlocked
	}
	if err != nil {
		return Block{}, fmt.Errorf("contacts: blocklist entry: %w", err)
	}
	return b, nil
}

// Delete removes a contact and everything that cascades from it. Erasure
// with anonymised statistics lives in the privacy package; this is the bare
// row removal it builds on.
func (s *Store) Delete(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("contacts: delete: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
