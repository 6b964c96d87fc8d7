package contacts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/db"
)

// Hidden attributes (data minimisation): attribute keys listed in
// hidden_attributes stay stored but are shown only to the privacy role.
// Mail templates, marketers' API reads and exports see a contact's
// attributes without them.

// VisibleAttributesSQL is the SQL expression of the attributes of the
// contacts row alias without the keys its department hides (named here:
// sending is system work, which row-level security does not narrow).
func VisibleAttributesSQL(alias string) string {
	return `(` + alias + `.attributes - ARRAY(SELECT h.key FROM hidden_attributes h WHERE h.department_id = ` + alias + `.department_id))`
}

// HiddenKeysJoinSQL is the same rule for statements over many contacts: a
// join giving each row of the contacts alias the keys its department
// hides, as <as>.keys (NULL when it hides none), worked out once per
// statement instead of once per row; VisibleAttributesJoinedSQL(alias, as)
// is then the visible attributes.
func HiddenKeysJoinSQL(alias, as string) string {
	return `LEFT JOIN (SELECT h.department_id, array_agg(h.key) AS keys FROM hidden_attributes h GROUP BY h.department_id) ` +
		as + ` ON ` + as + `.department_id = ` + alias + `.department_id`
}

// VisibleAttributesJoinedSQL is the SQL expression of the attributes of
// the contacts row alias without the keys of HiddenKeysJoinSQL(alias, as).
func VisibleAttributesJoinedSQL(alias, as string) string {
	return `coalesce(` + alias + `.attributes - ` + as + `.keys, ` + alias + `.attributes)`
}

// HiddenAttributes returns the hidden attribute keys, sorted.
func (s *Store) HiddenAttributes(ctx context.Context) ([]string, error) {
	return hiddenAttributes(ctx, s.db)
}

func hiddenAttributes(ctx context.Context, pool *db.Pool) ([]string, error) {
	rows, err := pool.Query(ctx, `SELECT key FROM hidden_attributes ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("contacts: hidden attributes: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("contacts: hidden attributes: %w", err)
	}
	return keys, nil
}

// HideAttributes removes the hidden keys from the contacts' attributes (in
// place), for a reader who may not see them.
func HideAttributes(hidden []string, cs ...*Contact) {
	for _, c := range cs {
		for _, k := range hidden {
			delete(c.Attributes, k)
		}
	}
}
