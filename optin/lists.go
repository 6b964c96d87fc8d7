// Package optin is in charge of consent: lists and their opt-in mode,
// subscriptions (unconfirmed, confirmed, unsubscribed), the append-only
// consent records that prove every change, bulk import of contacts with
// their consent, and the recipient side: what subscribe, double opt-in,
// unsubscribe, the update-your-details answers and open/click tracking do
// (Recipients), the log of every recipient action (ActionLog), and the
// follow-up of an update mailing (reminders, report, purge). The HTTP pages
// themselves are in optin/pages.
package optin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

// Errors of the optin domain.
var (
	ErrListNotFound = errs.NotFound("list_not_found", "list not found")
	ErrSlugTaken    = errs.Conflict("slug_taken", "another list has this slug")
)

// List is a newsletter or purpose contacts subscribe to.
type List struct {
	ID          int64  `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Purpose     string `json:"purpose"`
	OptIn       string `json:"optin"`
	Description string `json:"description"`
	// LegalBasis of processing for this purpose (GDPR art. 6(1)): consent,
	// contract, legal-obligation or legitimate-interest.
	LegalBasis string `json:"legal_basis"`
	// RepermissionMonths: subscribers without consent or engagement for
	// this many months are asked to confirm again; 0: never.
	RepermissionMonths int `json:"repermission_months"`
	// RepermissionGraceDays: who does not confirm within this many days
	// after the mail leaves the list.
	RepermissionGraceDays int       `json:"repermission_grace_days"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
	// Subscriber counts by status; filled by Get and ListLists.
	Confirmed    int64 `json:"confirmed"`
	Unconfirmed  int64 `json:"unconfirmed"`
	Unsubscribed int64 `json:"unsubscribed"`
}

// ListInput creates or changes a list; nil fields are left alone on update.
type ListInput struct {
	Slug        *string `json:"slug"`
	Name        *string `json:"name"`
	Purpose     *string `json:"purpose"`
	OptIn       *string `json:"optin"`
	Description *string `json:"description"`
	// LegalBasis; optional, default consent.
	LegalBasis *string `json:"legal_basis"`
	// RepermissionMonths 0-120; optional, default 0 (never ask again).
	RepermissionMonths *int `json:"repermission_months"`
	// RepermissionGraceDays 1-365; optional, default 30.
	RepermissionGraceDays *int `json:"repermission_grace_days"`
}

var legalBases = map[string]bool{"consent": true, "contract": true, "legal-obligation": true, "legitimate-interest": true}

// Validate checks the input; create requires slug, name, purpose, optin.
// Every field that is wrong is reported (errors.Join, see errs.Fields).
func (in *ListInput) Validate(create bool) error {
	var bad []error
	missing := map[string]bool{}
	for _, f := range []struct {
		name string
		v    *string
	}{{"slug", in.Slug}, {"name", in.Name}, {"purpose", in.Purpose}, {"optin", in.OptIn}} {
		if create && (f.v == nil || strings.TrimSpace(*f.v) == "") {
			bad, missing[f.name] = append(bad, errs.Invalid(f.name, "is required")), true
		}
	}
	// Every caller (the API decodes with strictjson, the console does not)
	// gets the same check before the database would refuse the text.
	for _, f := range []struct {
		name string
		v    *string
	}{{"slug", in.Slug}, {"name", in.Name}, {"purpose", in.Purpose}, {"optin", in.OptIn}, {"legal_basis", in.LegalBasis}, {"description", in.Description}} {
		if f.v != nil && !missing[f.name] {
			if err := errs.Text(f.name, *f.v); err != nil {
				bad, missing[f.name] = append(bad, err), true
			}
		}
	}
	if in.Slug != nil && !missing["slug"] {
		if err := errs.Slug("slug", *in.Slug); err != nil {
			bad = append(bad, err)
		}
	}
	if in.Name != nil && !missing["name"] {
		if err := errs.Name("name", *in.Name); err != nil {
			bad = append(bad, err)
		}
	}
	if in.Purpose != nil && len(*in.Purpose) > 2000 {
		bad = append(bad, errs.Invalid("purpose", "is longer than 2000 characters"))
	}
	if in.OptIn != nil && !missing["optin"] && *in.OptIn != "single" && *in.OptIn != "double" {
		bad = append(bad, errs.Invalid("optin", "must be single or double"))
	}
	if in.LegalBasis != nil && !missing["legal_basis"] && !legalBases[*in.LegalBasis] {
		bad = append(bad, errs.Invalid("legal_basis", "must be consent, contract, legal-obligation or legitimate-interest"))
	}
	if in.RepermissionMonths != nil && (*in.RepermissionMonths < 0 || *in.RepermissionMonths > 120) {
		bad = append(bad, errs.Invalid("repermission_months", "must be 0 (never) to 120 months"))
	}
	if in.RepermissionGraceDays != nil && (*in.RepermissionGraceDays < 1 || *in.RepermissionGraceDays > 365) {
		bad = append(bad, errs.Invalid("repermission_grace_days", "must be 1 to 365 days"))
	}
	if in.Description != nil && len(*in.Description) > 5000 {
		bad = append(bad, errs.Invalid("description", "is longer than 5000 characters"))
	}
	return errors.Join(bad...)
}

// Store reads and writes lists, subscriptions and consent records.
type Store struct{ db *db.Pool }

// NewStore returns a store on db.
func NewStore(db *db.Pool) *Store { return &Store{db: db} }

var listCols = `l.id, l.slug, l.name, l.purpose, l.optin, l.description, l.legal_basis, l.repermission_months, l.repermission_grace_days, l.created_at, l.updated_at,
	` + listCountSQL("confirmed") + `, ` + listCountSQL("unconfirmed") + `, ` + listCountSQL("unsubscribed")

// listCountSQL reads a list's subscriber count for a status from
// list_counts, which triggers on subscriptions keep.
func listCountSQL(status string) string {
	return `coalesce((SELECT n FROM list_counts lc WHERE lc.list_id = l.id AND lc.status = '` + status + `'), 0)`
}

func scanList(row pgx.Row) (List, error) {
	var l List
	err := row.Scan(&l.ID, &l.Slug, &l.Name, &l.Purpose, &l.OptIn, &l.Description, &l.LegalBasis, &l.RepermissionMonths, &l.RepermissionGraceDays, &l.CreatedAt, &l.UpdatedAt,
		&l.Confirmed, &l.Unconfirmed, &l.Unsubscribed)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, ErrListNotFound
	}
	return l, err
}

// CreateList stores a new list.
func (s *Store) CreateList(ctx context.Context, in ListInput) (List, error) {
	if err := in.Validate(true); err != nil {
		return List{}, err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO lists (slug, name, purpose, optin, description, legal_basis,
		repermission_months, repermission_grace_days)
		VALUES ($1, $2, $3, $4, $5, coalesce($6, 'consent'), coalesce($7, 0), coalesce($8, 30)) RETURNING id`,
		*in.Slug, strings.TrimSpace(*in.Name), *in.Purpose, *in.OptIn, desc, in.LegalBasis,
		in.RepermissionMonths, in.RepermissionGraceDays).Scan(&id)
	if isUnique(err) {
		return List{}, ErrSlugTaken
	}
	if err != nil {
		return List{}, fmt.Errorf("optin: create list: %w", err)
	}
	return s.GetList(ctx, id)
}

// GetList returns a list by id.
func (s *Store) GetList(ctx context.Context, id int64) (List, error) {
	return scanList(s.db.QueryRow(ctx, `SELECT `+listCols+` FROM lists l WHERE l.id = $1`, id))
}

// GetListBySlug returns a list by slug.
func (s *Store) GetListBySlug(ctx context.Context, slug string) (List, error) {
	return scanList(s.db.QueryRow(ctx, `SELECT `+listCols+` FROM lists l WHERE l.slug = $1`, slug))
}

// UpdateList changes a list.
func (s *Store) UpdateList(ctx context.Context, id int64, in ListInput) (List, error) {
	if err := in.Validate(false); err != nil {
		return List{}, err
	}
	tag, err := s.db.Exec(ctx, `UPDATE lists SET slug = coalesce($2, slug), name = coalesce($3, name),
		purpose = coalesce($4, purpose), optin = coalesce($5, optin), description = coalesce($6, description),
		legal_basis = coalesce($7, legal_basis), repermission_months = coalesce($8, repermission_months),
		repermission_grace_days = coalesce($9, repermission_grace_days), updated_at = now() WHERE id = $1`,
		id, in.Slug, in.Name, in.Purpose, in.OptIn, in.Description, in.LegalBasis, in.RepermissionMonths, in.RepermissionGraceDays)
	if isUnique(err) {
		return List{}, ErrSlugTaken
	}
	if err != nil {
		return List{}, fmt.Errorf("optin: update list: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return List{}, ErrListNotFound
	}
	return s.GetList(ctx, id)
}

// DeleteList removes a list and its subscriptions; consent records keep
// their history with the list link cleared. Contacts left on no list become
// floaters.
func (s *Store) DeleteList(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT contact_id FROM subscriptions WHERE list_id = $1`, id)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM lists WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("optin: delete list: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrListNotFound
		}
		return syncOneStar(ctx, tx, ids)
	})
}

// ListLists returns lists after id, at most limit+1.
func (s *Store) ListLists(ctx context.Context, after int64, limit int) ([]List, error) {
	rows, err := s.db.Query(ctx, `SELECT `+listCols+` FROM lists l WHERE l.id > $1 ORDER BY l.id LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, fmt.Errorf("optin: list lists: %w", err)
	}
	defer rows.Close()
	var out []List
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ResolveLists turns list references (ids as numbers or slugs) into ids,
// in order and without repeats, failing with the field name (and index) for
// the first unknown one. It asks the database once, however many
// references a request repeats.
func (s *Store) ResolveLists(ctx context.Context, field string, refs []string) ([]int64, error) {
	var uniq []string
	first := map[string]int{} // reference → index of its first mention
	for i, ref := range refs {
		ref = strings.TrimSpace(ref)
		if _, dup := first[ref]; !dup {
			first[ref] = i
			uniq = append(uniq, ref)
		}
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	// A slug that is all digits may equal another list's id: the slug wins.
	rows, err := s.db.Query(ctx, `SELECT DISTINCT ON (r.i) l.id FROM unnest($1::text[]) WITH ORDINALITY AS r(ref, i)
		LEFT JOIN lists l ON l.slug = r.ref OR l.id::text = r.ref
		ORDER BY r.i, l.slug = r.ref DESC`, uniq)
	if err != nil {
		return nil, fmt.Errorf("optin: resolve lists: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[*int64])
	if err != nil {
		return nil, fmt.Errorf("optin: resolve lists: %w", err)
	}
	var ids []int64
	seen := map[int64]bool{}
	for k, id := range found {
		if id == nil {
			ref := uniq[k]
			return nil, errs.Invalidf(fmt.Sprintf("%s[%d]", field, first[ref]), "unknown list %q", clipRef(ref))
		}
		if !seen[*id] {
			seen[*id] = true
			ids = append(ids, *id)
		}
	}
	return ids, nil
}

// clipRef shortens a list reference to show in a message.
func clipRef(ref string) string {
	if r := []rune(ref); len(r) > 100 {
		return string(r[:100]) + "…"
	}
	return ref
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// ListRefs returns every list's id, name and purpose in id order, without
// the subscriber counts (cheap: for choosers in forms).
func (s *Store) ListRefs(ctx context.Context) ([]ListRef, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, purpose FROM lists ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("optin: list refs: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ListRef])
	if err != nil {
		return nil, fmt.Errorf("optin: list refs: %w", err)
	}
	return out, nil
}
