package privacy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

// Reports for privacy officers. Each read is audited (action "report", the
// report's name as cause, the number of rows as count); drawing contact ids
// from the opt-in origin report is audited as "segment".

// Report names (the cause of their audit entries).
const (
	ReportOptinOrigin = "optin-origin"
	ReportInventory   = "inventory"
	ReportStars       = "stars"
	ReportRequests    = "requests"
)

// OriginFilter narrows the opt-in origin report and its segment. Zero
// values mean any.
type OriginFilter struct {
	// List is a list id or slug.
	List string
	// Source is how the consent came in: import, manual, api, webform, update-page (or another consent source).
	Source string
	// Since and Until bound the time of the opt-in (Until exclusive).
	Since, Until time.Time
}

// Validate checks the filter.
func (f OriginFilter) Validate() error {
	if f.Source != "" && !strings.Contains(","+consentSources+",", ","+f.Source+",") {
		return errs.Invalid("source", "must be one of "+consentSources)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return errs.Invalid("until", "must be after since")
	}
	return nil
}

const consentSources = "import,manual,api,webform,update-page,mailto,one-click,complaint,system"

// OriginRow is how contacts came onto one list through one source: the
// opt-in, confirmation and reconfirmation records, their first and last
// time, how many contacts they cover and how many of those are still on the
// list. Contacts that never opted in to a list appear once per contact
// source with List "" (their first and last creation time).
type OriginRow struct {
	ListID     *int64    `json:"list_id"`
	List       string    `json:"list"`
	Source     string    `json:"source"`
	Contacts   int64     `json:"contacts"`
	Records    int64     `json:"records"`
	Subscribed int64     `json:"subscribed"`
	First      time.Time `json:"first_at"`
	Last       time.Time `json:"last_at"`
}

const originWhere = `r.action IN ('opt-in', 'confirm', 'reconfirm')
	AND ($1 = '' OR r.list_id = (SELECT id FROM lists WHERE id::text = $1 OR slug = $1 LIMIT 1))
	AND ($2 = '' OR r.source = $2)
	AND ($3::timestamptz IS NULL OR r.created_at >= $3) AND ($4::timestamptz IS NULL OR r.created_at < $4)`

func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (s *Service) checkList(ctx context.Context, list string) error {
	if list == "" {
		return nil
	}
	var ok bool
	if err := s.reads.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM lists WHERE id::text = $1 OR slug = $1)`, list).Scan(&ok); err != nil {
		return fmt.Errorf("privacy: report: %w", err)
	}
	if !ok {
		return errs.Invalid("list", "unknown list "+strconv.Quote(list))
	}
	return nil
}

// originSQL is the opt-in origin report, set-based: the consent records
// are read once and grouped per contact, list and source (r); the
// subscriptions still on (sub) are joined to those groups in one pass, not
// looked up per record; the contacts that never opted in are those with no
// group in r.
const originSQL = `WITH r AS MATERIALIZED (
		SELECT r.contact_id, r.list_id, r.source, count(*) AS records, min(r.created_at) AS first_at, max(r.created_at) AS last_at
		FROM consent_records r WHERE ` + originWhere + `
		GROUP BY r.contact_id, r.list_id, r.source),
	sub AS MATERIALIZED (
		SELECT sub.contact_id, sub.list_id FROM subscriptions sub
		WHERE sub.status IN ('confirmed', 'unconfirmed') AND sub.list_id IN (SELECT DISTINCT list_id FROM r))
	SELECT r.list_id, coalesce(l.slug, ''), r.source, count(*), sum(r.records)::bigint, count(sub.contact_id),
		min(r.first_at), max(r.last_at)
	FROM r LEFT JOIN sub ON sub.contact_id = r.contact_id AND sub.list_id = r.list_id
	LEFT JOIN lists l ON l.id = r.list_id
	GROUP BY r.list_id, l.slug, r.source
	UNION ALL
	SELECT NULL, '', c.source, count(*), 0, 0, min(c.created_at), max(c.created_at)
	FROM contacts c
	WHERE $1 = '' AND ($2 = '' OR c.source = $2)
		AND ($3::timestamptz IS NULL OR c.created_at >= $3) AND ($4::timestamptz IS NULL OR c.created_at < $4)
		AND NOT EXISTS (SELECT 1 FROM consent_records r WHERE r.contact_id = c.id AND r.action IN ('opt-in', 'confirm', 'reconfirm'))
	GROUP BY c.source
	ORDER BY 2, 3`

// reportTx runs fn in a read-only, repeatable-read transaction on the
// reads pool, in the scope of ctx (which also keeps JIT compilation off:
// db.Pool).
func (s *Service) reportTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.reads, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// OptinOrigin reports per list and source how contacts came in.
func (s *Service) OptinOrigin(ctx context.Context, f OriginFilter, actor string) ([]OriginRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkList(ctx, f.List); err != nil {
		return nil, err
	}
	args := []any{f.List, f.Source, timeArg(f.Since), timeArg(f.Until)}
	var out []OriginRow
	err := s.reportTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, originSQL, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[OriginRow])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("privacy: opt-in origin report: %w", err)
	}
	return out, s.auditReport(ctx, actor, ReportOptinOrigin, len(out))
}

// OriginSegment returns the ids of the contacts the opt-in origin filter
// selects that are still subscribed (confirmed or unconfirmed) to the list
// they opted in to — the audience of a re-permission mailing — after id
// `after`, at most limit+1 (limit 0: all).
func (s *Service) OriginSegment(ctx context.Context, f OriginFilter, after int64, limit int, actor string) ([]int64, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkList(ctx, f.List); err != nil {
		return nil, err
	}
	lim := any(nil)
	if limit > 0 {
		lim = limit + 1
	}
	rows, err := s.reads.Query(ctx, `SELECT DISTINCT r.contact_id FROM consent_records r
		JOIN subscriptions sub ON sub.contact_id = r.contact_id AND sub.list_id = r.list_id AND sub.status <> 'unsubscribed'
		WHERE `+originWhere+` AND r.contact_id > $5 ORDER BY 1 LIMIT $6`,
		f.List, f.Source, timeArg(f.Since), timeArg(f.Until), after, lim)
	if err != nil {
		return nil, fmt.Errorf("privacy: opt-in segment: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("privacy: opt-in segment: %w", err)
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, s.Audit(ctx, Entry{Actor: actor, Action: ActionSegment, TargetKind: "contacts", Count: int64(len(ids)), Cause: ReportOptinOrigin})
}

// InventoryRow says how many contacts have one field filled. For a table not
// linked to a contact by id (the blocklist) it counts rows (Unit "rows").
type InventoryRow struct {
	Table  string `json:"table"`
	Field  string `json:"field"`
	Filled int64  `json:"filled"`
	Unit   string `json:"unit"`
	// Hidden: an attribute key hidden from every role but privacy.
	Hidden bool `json:"hidden"`
}

// Inventory is the personal-data inventory.
type Inventory struct {
	Contacts int64          `json:"contacts"`
	Fields   []InventoryRow `json:"fields"`
}

// filledSQL is the condition "col holds a value" for a column type.
func filledSQL(col, typ string) string {
	c := ident(col)
	switch typ {
	case "text", "character varying", "character":
		return c + " IS NOT NULL AND " + c + " <> ''"
	case "jsonb", "json":
		return c + " IS NOT NULL AND " + c + "::text NOT IN ('{}', '[]', 'null', '\"\"')"
	}
	return c + " IS NOT NULL"
}

// Inventory lists every personal-data field of the registry
// (internal/db/personal.go) and every attribute key in use, with how many
// contacts have it filled: tables registered later appear without changes here.
func (s *Service) Inventory(ctx context.Context, actor string) (Inventory, error) {
	var inv Inventory
	cols, err := s.columns(ctx)
	if err != nil {
		return inv, err
	}
	err = s.reportTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&inv.Contacts); err != nil {
			return err
		}
		for _, p := range db.PersonalTables {
			fields := append([]string{}, p.Columns...)
			if p.EmailColumn != "" && p.EmailColumn != p.ContactColumn {
				fields = append([]string{p.EmailColumn}, fields...)
			}
			fields = uniq(fields)
			if len(fields) == 0 {
				continue
			}
			unit, agg := "contacts", "count(DISTINCT t."+ident(p.ContactColumn)+")"
			if p.ContactColumn == "id" {
				agg = "count(*)"
			} else if p.ContactColumn == "" {
				unit, agg = "rows", "count(*)"
			}
			sel := make([]string, len(fields))
			for i, f := range fields {
				sel[i] = agg + " FILTER (WHERE " + filledSQL(f, cols[p.Table][f].typ) + ")"
			}
			vals := make([]int64, len(fields))
			ptrs := make([]any, len(fields))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := tx.QueryRow(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+ident(p.Table)+` t`).Scan(ptrs...); err != nil {
				return fmt.Errorf("table %s: %w", p.Table, err)
			}
			for i, f := range fields {
				inv.Fields = append(inv.Fields, InventoryRow{Table: p.Table, Field: f, Filled: vals[i], Unit: unit})
			}
		}
		rows, err := tx.Query(ctx, `SELECT 'contacts', 'attributes.' || coalesce(a.key, h.key), coalesce(a.n, 0), 'contacts', h.key IS NOT NULL
			FROM (SELECT e.key, count(*) AS n FROM contacts c, jsonb_each(c.attributes) e
				WHERE e.value NOT IN ('null'::jsonb, '""'::jsonb) GROUP BY e.key) a
			FULL JOIN (SELECT key FROM hidden_attributes WHERE department_id = postbode_department()) h ON h.key = a.key ORDER BY 2`)
		if err != nil {
			return err
		}
		keys, err := pgx.CollectRows(rows, pgx.RowToStructByPos[InventoryRow])
		inv.Fields = append(inv.Fields, keys...)
		return err
	})
	if err != nil {
		return inv, fmt.Errorf("privacy: inventory report: %w", err)
	}
	return inv, s.auditReport(ctx, actor, ReportInventory, len(inv.Fields))
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// StarsReport is the stars distribution (see the contacts package doc for
// the rule) with the causes of one-star contacts.
type StarsReport struct {
	Total int64 `json:"total"`
	// Stars maps "1".."5" to the number of contacts.
	Stars map[string]int64 `json:"stars"`
	// OneStar maps inactive, blocklisted, floater to the number of one-star contacts.
	OneStar map[string]int64 `json:"one_star"`
	// RetentionDue: one-star contacts past retention.one_star_days (0 when disabled).
	RetentionDue int64 `json:"retention_due"`
}

// Stars reports the stars distribution.
func (s *Service) Stars(ctx context.Context, actor string) (StarsReport, error) {
	r := StarsReport{Stars: map[string]int64{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
		OneStar: map[string]int64{RetentionInactive: 0, RetentionBlocklisted: 0, RetentionFloater: 0}}
	cut := any(nil)
	if s.opt.OneStarDays > 0 {
		cut = s.cutoff()
	}
	err := s.reportTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT st, CASE WHEN st = 1 THEN cause ELSE '' END, count(*), count(*) FILTER (WHERE due)
			FROM (SELECT `+contacts.StarsSQL+` AS st, `+causeSQL+` AS cause,
				($1::timestamptz IS NOT NULL AND c.one_star_since < $1) AS due FROM contacts c) x GROUP BY 1, 2`, cut)
		if err != nil {
			return err
		}
		var st int
		var cause string
		var n, due int64
		_, err = pgx.ForEachRow(rows, []any{&st, &cause, &n, &due}, func() error {
			r.Stars[strconv.Itoa(st)] += n
			r.Total += n
			r.RetentionDue += due
			if st == 1 {
				r.OneStar[cause] += n
			}
			return nil
		})
		return err
	})
	if err != nil {
		return r, fmt.Errorf("privacy: stars report: %w", err)
	}
	return r, s.auditReport(ctx, actor, ReportStars, 5)
}

// OpenRequest is a row of the open-requests report (no IP or user agent).
type OpenRequest struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Via        string    `json:"via"`
	VerifiedAt time.Time `json:"verified_at"`
	DueAt      time.Time `json:"due_at"`
	// DaysLeft: whole days until the deadline, negative when overdue.
	DaysLeft int  `json:"days_left"`
	Overdue  bool `json:"overdue"`
}

// OpenRequests lists the open privacy requests, nearest deadline first.
func (s *Service) OpenRequests(ctx context.Context, actor string) ([]OpenRequest, error) {
	rows, err := s.reads.Query(ctx, `SELECT id, kind, via, verified_at, due_at,
			trunc(extract(epoch FROM due_at - now()) / 86400)::int, due_at < now()
		FROM privacy_requests WHERE status = 'open' ORDER BY due_at, id`)
	if err != nil {
		return nil, fmt.Errorf("privacy: requests report: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[OpenRequest])
	if err != nil {
		return nil, fmt.Errorf("privacy: requests report: %w", err)
	}
	if out == nil {
		out = []OpenRequest{}
	}
	return out, s.auditReport(ctx, actor, ReportRequests, len(out))
}

func (s *Service) auditReport(ctx context.Context, actor, name string, n int) error {
	return s.Audit(ctx, Entry{Actor: actor, Action: ActionReport, TargetKind: "report", Count: int64(n), Cause: name})
}
