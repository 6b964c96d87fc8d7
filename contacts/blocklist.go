package contacts

import (
	"context"
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

// IsBlocked reports whether an address is on the blocklist.
func (s *Store) IsBlocked(ctx context.Context, email string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blocklist WHERE email_hash = $1)`, s.Hash(email)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("contacts: blocklist lookup: %w", err)
	}
	return ok, nil
}

// BlockAddress puts an address on the blocklist and marks its contact, if
// any, blocklisted (one-star), in one transaction.
func (s *Store) BlockAddress(ctx context.Context, email, reason, note string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if !contains(BlockReasons, reason) {
		return errs.Invalid("reason", "must be one of manual, complaint, hard-bounce, request, import")
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return s.BlockTx(ctx, tx, email, reason, note) })
}

// BlockTx is BlockAddress inside the caller's transaction; email must be normalised.
func (s *Store) BlockTx(ctx context.Context, tx pgx.Tx, email, reason, note string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO blocklist (email_hash, email, reason, note) VALUES ($1, $2, $3, $4)
		ON CONFLICT (email_hash) DO NOTHING`, s.Hash(email), email, reason, note); err != nil {
		return fmt.Errorf("contacts: block: %w", err)
	}
	var ids []int64
	rows, err := tx.Query(ctx, `UPDATE contacts SET status = 'blocklisted', updated_at = now(), updated_source = 'system'
		WHERE lower(email) = lower($1) RETURNING id`, email)
	if err != nil {
		return fmt.Errorf("contacts: block: %w", err)
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	return SyncOneStar(ctx, tx, ids)
}

// Unblock removes an address from the blocklist; its contact becomes active
// again unless its hard bounces keep it inactive.
func (s *Store) Unblock(ctx context.Context, email string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM blocklist WHERE email_hash = $1`, s.Hash(email))
		if err != nil {
			return fmt.Errorf("contacts: unblock: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotBlocked
		}
		rows, err := tx.Query(ctx, `UPDATE contacts SET updated_at = now(), updated_source = 'system',
			status = CASE WHEN hard_bounces > $2 THEN 'inactive' ELSE 'active' END
			WHERE lower(email) = lower($1) AND status = 'blocklisted' RETURNING id`, email, s.HardThreshold)
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

// ListBlocks returns blocklist entries after id `after`, at most limit+1.
func (s *Store) ListBlocks(ctx context.Context, after int64, limit int) ([]Block, error) {
	rows, err := s.db.Query(ctx, `SELECT id, coalesce(email, ''), reason, note, created_at
		FROM blocklist WHERE id > $1 ORDER BY id LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, fmt.Errorf("contacts: list blocklist: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Block])
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
