package contacts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Each calls fn for every contact matching f, in id order, as the rows
// come from one cursor (memory does not grow with the number of contacts),
// without the attributes the caller may not see (HideFor). Before the
// first, begin is told how many there are: the count and the rows are read
// in one snapshot (a read-only repeatable-read transaction), so fn is
// called exactly n times. An error from begin or fn ends it.
func (s *Store) Each(ctx context.Context, f Filter, begin func(n int64) error, fn func(*Contact) error) error {
	hidden, err := HiddenFor(ctx, s.db)
	if err != nil {
		return err
	}
	where, args := f.where(0)
	return pgx.BeginTxFunc(ctx, s.db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM contacts c WHERE `+where, args...).Scan(&n); err != nil {
			return fmt.Errorf("contacts: export: count: %w", err)
		}
		if err := begin(n); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+contactCols+` FROM contacts c WHERE `+where+` ORDER BY c.id`, args...)
		if err != nil {
			return fmt.Errorf("contacts: export: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanContact(rows)
			if err != nil {
				return fmt.Errorf("contacts: export: %w", err)
			}
			HideAttributes(hidden, &c)
			if err := fn(&c); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
