package contacts

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Change is one change of a contact by staff: which fields, by whom, when.
// The database records it on every update made in a staff request.
type Change struct {
	ID     int64     `json:"id"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Fields []string  `json:"fields"`
}

// History returns a contact's changes by staff, newest first, at most limit.
func (s *Store) History(ctx context.Context, id int64, limit int) ([]Change, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, actor, at, fields FROM contact_changes WHERE contact_id = $1
		ORDER BY id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("contacts: history: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Change])
}
